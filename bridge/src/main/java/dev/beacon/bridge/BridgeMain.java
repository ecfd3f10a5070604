package dev.beacon.bridge;

import dev.beacon.cli.BeaconMain;
import dev.beacon.cli.Cli;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar bridge.jar <command>}. */
@Command(name = "bridge.jar", mixinStandardHelpOptions = true, version = "bridge (beacon wire protocol 1)",
        description = "The bridge: connects out to the beacon and forwards wrappers' streams to the upstream.",
        subcommands = {BridgeMain.Run.class, CommandLine.HelpCommand.class})
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
        @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML configuration file")
        Path config;

        @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one key (repeatable)")
        List<String> sets = new ArrayList<>();

        @Option(names = "--list-keys", description = "Print every configuration key, its environment variable and default, then exit")
        boolean listKeys;

        @Override
        public Integer call() throws Exception {
            if (listKeys) {
                System.out.print(Cli.listKeys(BridgeConfig.class, "BRIDGE"));
                return 0;
            }
            BridgeConfig cfg = Cli.config(BridgeConfig.class, config, "BRIDGE", sets);
            Bridge bridge = new Bridge(cfg).start();
            CountDownLatch stopped = new CountDownLatch(1);
            Cli.onTerminate(() -> {
                bridge.close();
                stopped.countDown();
            });
            stopped.await();
            return 0;
        }
    }
}
