package dev.beacon.config;

/** Invalid configuration. The message names the offending key, so the operator knows what to fix. */
public class ConfigException extends RuntimeException {
    private final String key;

    public ConfigException(String key, String message) {
        super(key == null ? message : "config key '" + key + "': " + message);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
