package dev.beacon.status;

import dev.beacon.runtime.Cli;
import dev.beacon.runtime.ConfigOptions;
import dev.beacon.runtime.Metrics;
import dev.beacon.status.service.StatusPageConfig;
import dev.beacon.status.service.StatusPageService;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Runs the status page until SIGTERM (then exits 0): probes, stores, detects incidents, serves the page",
                "on listen.port and /metrics and the admin API on admin.port.",
                "Configuration: --config FILE (YAML), then STATUS_* environment variables, then --set key=value;",
                "--list-keys prints every key with its meaning."})
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options = new ConfigOptions();

    @Override
    public Integer call() throws Exception {
        StatusPageConfig cfg = options.load(StatusPageConfig.class, "STATUS");
        if (cfg == null) return 0;
        StatusPageService service = new StatusPageService(cfg, Metrics.registry(), Clock.systemUTC()).start();
        return Cli.runUntilTerminated(service::close);
    }
}
