package dev.beacon.bridge;

import dev.beacon.cli.BeaconMain;
import dev.beacon.cli.Cli;
import dev.beacon.cli.ConfigOptions;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar bridge.jar <command>}. */
@Command(name = "bridge.jar", mixinStandardHelpOptions = true, version = "bridge (beacon wire protocol 1)",
        description = "The bridge: connects out to the beacon and forwards wrappers' streams to the upstream.",
        subcommands = {BridgeMain.Run.class, dev.beacon.bridge.openbao.sim.OpenBaoSimCommand.class,
                CommandLine.HelpCommand.class})
public final class BridgeMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(BeaconMain.commandLine(new BridgeMain()).execute(args));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = {"Runs the bridge until SIGTERM.",
                    "Configuration: --config FILE (YAML), then BRIDGE_* environment variables, then --set key=value."})
    static final class Run implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOptions options = new ConfigOptions();

        @Override
        public Integer call() throws Exception {
            BridgeConfig cfg = options.load(BridgeConfig.class, "BRIDGE");
            if (cfg == null) return 0;
            Bridge bridge = new Bridge(cfg).start();
            return Cli.runUntilTerminated(bridge::close);
        }
    }
}
