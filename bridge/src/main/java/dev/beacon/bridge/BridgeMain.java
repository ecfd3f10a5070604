package dev.beacon.bridge;

import dev.beacon.runtime.BuiltJars;
import dev.beacon.runtime.Cli;
import dev.beacon.runtime.ConfigOptions;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar bridge.jar <command>}. */
@Command(name = "bridge.jar", mixinStandardHelpOptions = true, version = "bridge (beacon wire protocol 1)",
        description = "The bridge: connects out to the beacon and forwards wrappers' streams to the upstream.",
        subcommands = {BridgeMain.Run.class, BridgeMain.OpenBaoSim.class, CommandLine.HelpCommand.class})
public final class BridgeMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        dev.beacon.runtime.NettyDefaults.apply(); // before any Netty class loads
        System.exit(Cli.commandLine(new BridgeMain()).execute(args));
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

    /**
     * The simulator is not part of the product jar: it is openbao-sim.jar. This command still works for those who
     * learned it, by running that jar (the one this checkout's build made) with the same arguments.
     */
    @Command(name = "openbao-sim", description = {"Runs openbao-sim.jar (a SIMULATED OpenBao HA cluster, for tests and local mode)",
            "with these arguments; 'bridge.jar openbao-sim --help' shows its options."},
            mixinStandardHelpOptions = false)
    static final class OpenBaoSim implements Callable<Integer> {
        @CommandLine.Unmatched
        java.util.List<String> args = new java.util.ArrayList<>();

        @Override
        public Integer call() throws Exception {
            java.nio.file.Path jar = BuiltJars.require("openbao-sim.jar", null);
            java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(
                    java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString()));
            cmd.addAll(args);
            Process p = new ProcessBuilder(cmd).inheritIO().start();
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroy)); // Ctrl-C/SIGTERM stop the simulator too
            return p.waitFor();
        }
    }
}
