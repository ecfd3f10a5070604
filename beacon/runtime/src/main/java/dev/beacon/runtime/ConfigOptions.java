package dev.beacon.runtime;

import dev.beacon.config.Validated;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The options every long-running command shares: a YAML file, {@code --set} overrides, {@code --list-keys}. */
public final class ConfigOptions {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML configuration file")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one key, e.g. --set admin.port=9090 (repeatable)")
    List<String> sets = new ArrayList<>();

    @Option(names = "--list-keys", description = "Print every configuration key, its environment variable, default and meaning, then exit")
    boolean listKeys;

    /** The loaded config, or null after printing the keys for {@code --list-keys}. */
    public <T extends Validated> T load(Class<T> type, String envPrefix) {
        if (listKeys) {
            System.out.print(Cli.listKeys(type, envPrefix));
            return null;
        }
        return Cli.config(type, config, envPrefix, sets);
    }
}
