package dev.beacon.runtime;

import dev.beacon.config.ConfigException;
import dev.beacon.config.ConfigLoader;
import dev.beacon.config.Validated;
import dev.beacon.protocol.ProtocolException;
import dev.beacon.tls.TlsConfigException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Helpers every command shares. */
public final class Cli {
    private Cli() {
    }

    /** A mistake in how the command was called (exit 2). */
    public static final class UsageException extends RuntimeException {
        public UsageException(String m) {
            super(m);
        }
    }

    /** The conventions every command line shares: clear errors for bad flags, exit 2 for usage errors, 1 for failures. */
    public static picocli.CommandLine commandLine(Object command) {
        picocli.CommandLine cl = new picocli.CommandLine(command);
        // "@FILE" is ours (the wrapper's -d @FILE body): picocli would otherwise read the file as more arguments
        cl.setExpandAtFiles(false);
        // picocli reports missing required options before an unknown one, so "--prot 9 (typo)" would read as "missing
        // --port"; name the unknown argument first, then what else is wrong
        picocli.CommandLine.IParameterExceptionHandler usage = cl.getParameterExceptionHandler();
        cl.setParameterExceptionHandler((ex, args) -> {
            List<String> unknown = ex.getCommandLine().getUnmatchedArguments();
            if (!(ex instanceof picocli.CommandLine.UnmatchedArgumentException) && !unknown.isEmpty()) {
                ex.getCommandLine().getErr().println("Unknown option or argument: " + String.join(", ", unknown.stream()
                        .map(a -> "'" + a + "'").toList()));
            }
            return usage.handleParseException(ex, args);
        });
        cl.setExecutionExceptionHandler((ex, c, parse) -> {
            c.getErr().println("error: " + describe(ex));
            return ex instanceof UsageException ? 2 : 1;
        });
        return cl;
    }

    public static String describe(Throwable e) {
        if (e instanceof ConfigException || e instanceof TlsConfigException || e instanceof UsageException
                || e instanceof IllegalArgumentException) {
            return e.getMessage();
        }
        if (e instanceof ProtocolException p) return "beacon refused: " + p.getMessage();
        if (e instanceof java.net.ConnectException c) return "cannot connect: " + c.getMessage();
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /** Loads a typed config from an optional file, the environment and {@code --set key=value} flags. */
    public static <T extends Validated> T config(Class<T> type, Path file, String envPrefix, List<String> sets) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String s : sets) {
            int i = s.indexOf('=');
            if (i <= 0) throw new UsageException("--set takes key=value, got '" + s + "'");
            m.put(s.substring(0, i).trim(), s.substring(i + 1));
        }
        return ConfigLoader.load(type, file, envPrefix, System.getenv(), m);
    }

    public static String listKeys(Class<?> type, String envPrefix) {
        StringBuilder sb = new StringBuilder();
        Map<String, String> meaning = ConfigLoader.descriptions(type);
        ConfigLoader.keys(type).forEach((k, v) -> sb.append(String.format("%-44s %-46s default: %s%s%n", k,
                ConfigLoader.envName(envPrefix, k), v, meaning.containsKey(k) ? "  # " + meaning.get(k) : "")));
        return sb.toString();
    }

    /** Blocks until SIGTERM/SIGINT, runs {@code onStop} (drain, close), and then the process exits 0. */
    public static int runUntilTerminated(Runnable onStop) throws InterruptedException {
        java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
        onTerminate(() -> {
            try {
                onStop.run();
            } finally {
                stopped.countDown();
            }
        });
        stopped.await();
        return 0;
    }

    /** Exits 0 on SIGTERM/SIGINT after {@code onStop} (a JVM shutdown hook would exit 143). */
    @SuppressWarnings("restriction")
    public static void onTerminate(Runnable onStop) {
        Runnable once = new Runnable() {
            private boolean done;

            @Override
            public synchronized void run() {
                if (done) return;
                done = true;
                try {
                    onStop.run();
                } finally {
                    System.exit(0);
                }
            }
        };
        for (String sig : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(sig), s -> new Thread(once, "shutdown-" + sig).start());
        }
    }
}
