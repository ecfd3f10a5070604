package dev.beacon.wrapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import javax.net.ssl.SSLSocket;

/** One stream to a bridge: the inner TLS session, end to end; the beacon in between sees only ciphertext. */
public final class WrapperStream implements AutoCloseable {
    private final SSLSocket outer;
    private final SSLSocket inner;
    private final String node;
    private final String streamId;
    private final Deadline deadline;
    /** The certificate and key this wrapper's inner session presented; null when not known. */
    private final dev.beacon.tls.TlsMaterial innerMaterial;

    WrapperStream(SSLSocket outer, SSLSocket inner, dev.beacon.tls.TlsMaterial innerMaterial, String node, String streamId, Deadline deadline) {
        this.outer = outer;
        this.inner = inner;
        this.innerMaterial = innerMaterial;
        this.node = node;
        this.streamId = streamId;
        this.deadline = deadline;
    }

    public InputStream in() throws IOException {
        return inner.getInputStream();
    }

    public OutputStream out() throws IOException {
        return inner.getOutputStream();
    }

    /** The beacon node that spliced the stream. */
    public String node() {
        return node;
    }

    public String streamId() {
        return streamId;
    }

    public SSLSocket innerSocket() {
        return inner;
    }

    /** The material of this wrapper's inner certificate (to tell an expired one from other refusals), or null. */
    dev.beacon.tls.TlsMaterial innerMaterial() {
        return innerMaterial;
    }

    /** The call's overall deadline has passed: the stream was closed under whatever was reading or writing it. */
    public boolean deadlinePassed() {
        return deadline.passed();
    }

    /** The exception to throw instead of what the closed socket made the caller see. */
    java.net.SocketTimeoutException deadlineExceeded(String during, Throwable cause) {
        return deadline.exceeded(during, cause);
    }

    @Override
    public void close() {
        deadline.cancel();
        try {
            inner.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            outer.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
