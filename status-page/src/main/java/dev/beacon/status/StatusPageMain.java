package dev.beacon.status;

import dev.beacon.runtime.Cli;
import dev.beacon.runtime.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar status-page.jar <command>}. */
@Command(name = "status-page.jar", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = {"The beacon's status page: probes the beacon from outside like a user, keeps the uptime history,",
                "and publishes it. Being built: see docs/status-page.md for what works today."},
        subcommands = {CommandLine.HelpCommand.class})
public final class StatusPageMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(Cli.commandLine(new StatusPageMain()).execute(args));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }
}
