package dev.beacon.cli;

import dev.beacon.runtime.Cli;
import dev.beacon.runtime.Version;
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
        dev.beacon.runtime.NettyDefaults.apply(); // before any Netty class loads
        System.exit(Cli.commandLine(new BeaconMain()).execute(args));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }
}
