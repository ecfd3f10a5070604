package dev.beacon.status.store;

/** The database refused or could not be reached; the message says which operation, the cause says why. */
public final class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
