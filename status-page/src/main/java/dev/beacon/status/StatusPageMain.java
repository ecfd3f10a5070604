package dev.beacon.status;

import dev.beacon.runtime.Cli;
import dev.beacon.runtime.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar status-page.jar <command>}. */
@Command(name = "status-page.jar", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = {"The beacon's status page: probes the beacon from outside like a user, keeps the uptime history,",
                "and publishes it. 'serve' runs it; 'incident' and 'maintenance' talk to a running one's admin API;",
                "'bench' measures it against its performance targets."},
        subcommands = {ServeCommand.class, IncidentCommand.class, MaintenanceCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class StatusPageMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The runtime's conventions, and an admin API's refusal said as it is (exit 1). */
    static CommandLine commandLine() {
        CommandLine cl = Cli.commandLine(new StatusPageMain());
        CommandLine.IExecutionExceptionHandler runtime = cl.getExecutionExceptionHandler();
        cl.setExecutionExceptionHandler((ex, c, parse) -> {
            if (!(ex instanceof AdminClient.Failure)) return runtime.handleExecutionException(ex, c, parse);
            c.getErr().println("error: " + ex.getMessage());
            return 1;
        });
        return cl;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }
}
