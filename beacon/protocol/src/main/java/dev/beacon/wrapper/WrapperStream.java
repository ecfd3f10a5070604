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

    WrapperStream(SSLSocket outer, SSLSocket inner, String node, String streamId) {
        this.outer = outer;
        this.inner = inner;
        this.node = node;
        this.streamId = streamId;
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

    @Override
    public void close() {
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
