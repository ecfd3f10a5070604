package dev.beacon.status.store;

import java.util.List;

/** Where probe results go: the {@link Store}, directly or through a {@link ResultBuffer}. */
@FunctionalInterface
public interface Recorder {
    /**
     * Stores the results idempotently: recording one again replaces it.
     *
     * @throws StoreException when the database cannot take them now (they were not stored, or were and may be
     *                        recorded again harmlessly)
     */
    Store.Recorded record(List<StoredResult> results);
}
