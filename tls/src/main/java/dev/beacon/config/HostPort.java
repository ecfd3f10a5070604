package dev.beacon.config;

/**
 * A {@code host:port} address as configs, flags and the wire ({@code relay} of a node) write it. An IPv6 literal
 * is written in brackets, {@code [::1]:8443}; {@link #host()} holds it without them, as sockets and SNI want it.
 */
public record HostPort(String host, int port) {

    /**
     * Parses {@code host:port} with a port 1-65535; the message says what is wrong with {@code text}.
     * The port is what follows the last colon, so an unbracketed IPv6 literal still parses as before.
     */
    public static HostPort parse(String text) {
        int i = text == null ? -1 : text.lastIndexOf(':');
        if (i <= 0) throw new IllegalArgumentException("must be host:port, got '" + text + "'");
        String host = text.substring(0, i);
        if (host.length() > 2 && host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port;
        try {
            port = Integer.parseInt(text.substring(i + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) throw new IllegalArgumentException("bad port in '" + text + "'");
        return new HostPort(host, port);
    }

    /** {@link #parse} for a config key: the failure names the key. */
    public static HostPort parse(String key, String text) {
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, e.getMessage());
        }
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
