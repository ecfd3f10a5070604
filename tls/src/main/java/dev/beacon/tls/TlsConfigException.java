package dev.beacon.tls;

/** A certificate, key or trust bundle that cannot be used; the message names the file. */
public class TlsConfigException extends RuntimeException {
    public TlsConfigException(String message) {
        super(message);
    }

    public TlsConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
