package dev.beacon.cli;

import dev.beacon.runtime.Cli;
import dev.beacon.runtime.ConfigOptions;
import dev.beacon.server.BeaconConfig;
import dev.beacon.server.BeaconNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "server", mixinStandardHelpOptions = true,
        description = {"Runs a beacon node: the mTLS relay port and the admin port (/healthz, /readyz, /metrics).",
                "Configuration: --config FILE (YAML), then BEACON_* environment variables, then --set key=value.",
                "SIGTERM drains: no new streams, bridges told to reconnect, open streams get drain.gracePeriod, exit 0."})
final class ServerCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    ConfigOptions options = new ConfigOptions();

    @Override
    public Integer call() throws Exception {
        BeaconConfig cfg = options.load(BeaconConfig.class, "BEACON");
        if (cfg == null) return 0;
        BeaconNode node = new BeaconNode(cfg).start();
        return Cli.runUntilTerminated(() -> {
            try {
                node.drain();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                node.close();
            }
        });
    }
}
