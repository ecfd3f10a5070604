package dev.beacon.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar bench.jar <command>}: the benchmark (run) and its server. */
@Command(name = "bench.jar", mixinStandardHelpOptions = true,
        description = "Beacon benchmark: direct vs beacon vs HAProxy, side by side. Usually run through beacon/bench/bench.sh.",
        subcommands = {RunCommand.class, ServerCommand.class, CommandLine.HelpCommand.class})
public final class BenchMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new BenchMain());
        cl.setExecutionExceptionHandler((ex, c, parse) -> {
            c.getErr().println("error: " + (ex instanceof IllegalArgumentException || ex instanceof IllegalStateException
                    ? ex.getMessage() : ex.toString()));
            return ex instanceof IllegalArgumentException ? 2 : 1;
        });
        return cl;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (run or server)");
    }
}
