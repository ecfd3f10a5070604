package dev.beacon.cli;

import dev.beacon.server.BeaconConfig;
import dev.beacon.server.BeaconNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "server", mixinStandardHelpOptions = true,
        description = {"Runs a beacon node: the mTLS relay port and the admin port (/healthz, /readyz, /metrics).",
                "Configuration: --config FILE (YAML), then BEACON_* environment variables, then --set key=value.",
                "SIGTERM drains: no new streams, bridges told to reconnect, open streams get drain.gracePeriod, exit 0."})
final class ServerCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML configuration file")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one key, e.g. --set relay.port=8443 (repeatable)")
    List<String> sets = new ArrayList<>();

    @Option(names = "--list-keys", description = "Print every configuration key, its environment variable and default, then exit")
    boolean listKeys;

    @Override
    public Integer call() throws Exception {
        if (listKeys) {
            System.out.print(Cli.listKeys(BeaconConfig.class, "BEACON"));
            return 0;
        }
        BeaconConfig cfg = Cli.config(BeaconConfig.class, config, "BEACON", sets);
        BeaconNode node = new BeaconNode(cfg).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Cli.onTerminate(() -> {
            try {
                node.drain();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                node.close();
                stopped.countDown();
            }
        });
        stopped.await();
        return 0;
    }
}
