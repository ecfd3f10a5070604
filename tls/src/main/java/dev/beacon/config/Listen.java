package dev.beacon.config;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A listener's address and port: one section type for every service's relay, admin and public ports. */
public class Listen {
    @JsonPropertyDescription("Address to listen on; 0.0.0.0 means every interface")
    public String host;
    @JsonPropertyDescription("TCP port; 0 picks a free one")
    public int port;

    public Listen() {
    }

    public Listen(String host, int port) {
        this.host = host;
        this.port = port;
    }
}
