package dev.beacon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.beacon.protocol.ErrorCode;
import dev.beacon.protocol.Frame;
import dev.beacon.protocol.FrameCodec;
import dev.beacon.protocol.FrameType;
import dev.beacon.protocol.Protocol;
import dev.beacon.tls.JdkTls;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.TlsMaterial;
import java.io.IOException;
import java.io.InputStream;
import javax.net.ssl.SSLSocket;

/** A client of the relay port that speaks frames by hand, as an attacker (or a test of refusals) does. */
final class RelayProbe {
    private RelayProbe() {
    }

    /** Outer mTLS to 127.0.0.1:{@code port} with {@code who}'s certificate, handshake done, 10 s read timeout. */
    static SSLSocket outer(TlsFiles who, int port) throws IOException {
        SSLSocket s = (SSLSocket) JdkTls.context(TlsMaterial.load(who)).getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        s.startHandshake();
        return s;
    }

    /** Sends {@code first}, reads the one frame that comes back, and checks that the connection is closed after it. */
    static Frame exchange(TlsFiles who, int port, Frame first) throws Exception {
        try (SSLSocket s = outer(who, port)) {
            FrameCodec.write(s.getOutputStream(), first);
            Frame f = FrameCodec.read(s.getInputStream(), Protocol.DEFAULT_MAX_FRAME_BYTES);
            assertClosed(s.getInputStream());
            return f;
        }
    }

    static void assertClosed(InputStream in) throws IOException {
        try {
            assertEquals(-1, in.read(), "the beacon closes the connection");
        } catch (javax.net.ssl.SSLException | java.net.SocketException e) {
            // a TLS alert or a reset is a close too
        }
    }

    static void assertError(Frame f, ErrorCode code) {
        assertEquals(FrameType.ERROR, f.type(), f.toString());
        assertEquals(code.wire(), f.text("code"), f.toString());
        assertNotNull(f.text("message"));
    }
}
