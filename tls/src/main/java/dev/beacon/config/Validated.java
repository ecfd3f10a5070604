package dev.beacon.config;

/** A typed configuration object that checks itself after loading. */
public interface Validated {
    /** @throws ConfigException naming the bad key */
    void validate();
}
