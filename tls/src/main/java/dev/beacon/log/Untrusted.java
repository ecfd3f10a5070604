package dev.beacon.log;

/**
 * Text a peer chose (frame fields, request paths, certificate names) made safe to put in a log line or an error
 * message: control characters (line breaks above all, which would let a client start a forged log line) become
 * visible escapes, and the length is bounded.
 */
public final class Untrusted {
    /** Longer values are cut: a peer should not decide how long our log lines are. */
    public static final int MAX_CHARS = 256;

    private Untrusted() {
    }

    /** {@code s} with every control character escaped ({@code \n}, {@code \r}, {@code \t}, {@code \\uXXXX}), cut at 256 chars. */
    public static String escape(String s) {
        return escape(s, MAX_CHARS);
    }

    public static String escape(String s, int maxChars) {
        if (s == null) return "null";
        int n = Math.min(s.length(), maxChars);
        int i = 0;
        while (i < n && !needsEscape(s.charAt(i))) i++;
        if (i == s.length()) return s; // the common case: nothing to do, no copy
        StringBuilder b = new StringBuilder(n + 16).append(s, 0, i);
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (!needsEscape(c)) {
                b.append(c);
                continue;
            }
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> b.append(String.format("\\u%04x", (int) c));
            }
        }
        if (s.length() > n) b.append("...(").append(s.length()).append(" chars)");
        return b.toString();
    }

    /** Quoted and escaped, for messages: {@code 'value'}. */
    public static String quote(String s) {
        return "'" + escape(s) + "'";
    }

    /** C0 and C1 controls, DEL, and Unicode's own line and paragraph separators: anything a terminal or log reader may treat as a break. */
    static boolean needsEscape(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
    }
}
