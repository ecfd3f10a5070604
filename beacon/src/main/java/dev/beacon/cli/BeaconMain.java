package dev.beacon.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar beacon.jar <command>}. */
@Command(name = "beacon.jar", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "The beacon: an mTLS relay that pairs workload wrappers with their company's bridge.",
        subcommands = {ServerCommand.class, WrapperCommand.class, PkiCommand.class, LocalCommand.class,
                CommandLine.HelpCommand.class})
public final class BeaconMain implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine(new BeaconMain()).execute(args));
    }

    /** Shared CLI conventions: clear errors for bad flags, exit 2 for usage errors, 1 for failures. */
    public static CommandLine commandLine(Object command) {
        CommandLine cl = new CommandLine(command);
        cl.setExecutionExceptionHandler((ex, c, parse) -> {
            c.getErr().println("error: " + Cli.describe(ex));
            return ex instanceof Cli.UsageException ? 2 : 1;
        });
        return cl;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }
}
