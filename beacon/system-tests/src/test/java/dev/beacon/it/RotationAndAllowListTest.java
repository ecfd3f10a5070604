package dev.beacon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.tls.DevCa;
import dev.beacon.tls.Identity;
import dev.beacon.tls.testing.TestPki;
import dev.beacon.wrapper.HttpExchange;
import dev.beacon.wrapper.WrapperStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RotationAndAllowListTest {
    @TempDir
    Path dir;

    @Test
    void rotatingTheNodeCertificateKeepsStreamsAndServesTheNewOne() throws Exception {
        try (Stack stack = Stack.start(dir)) {
            BigInteger oldSerial = serialSeenBy(stack);
            WrapperStream open = stack.wrapper("long-lived").open(Stack.BRIDGE);
            open.out().write("ECHO one\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("ECHO one\n", new String(open.in().readNBytes(9), StandardCharsets.US_ASCII));

            // cert-manager style: new certificate and key written in place
            stack.pki.beaconCa.issue(new DevCa.Request(Identity.node(TestPki.TRUST_DOMAIN, "n1")).dns("localhost").ip("127.0.0.1"),
                    stack.nodeFiles.cert(), stack.nodeFiles.key());
            assertTrue(stack.node.reloadTlsNow(), "the change on disk is picked up");

            open.out().write("two\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("two\n", new String(open.in().readNBytes(4), StandardCharsets.US_ASCII), "the open stream continues");
            open.close();

            BigInteger newSerial = serialSeenBy(stack);
            assertNotEquals(oldSerial, newSerial, "new connections get the new certificate");
            try (WrapperStream s = stack.wrapper("after").open(Stack.BRIDGE)) {
                assertEquals(200, HttpExchange.send(s, "GET", "/after-rotation", Map.of(), null).status());
            }
            // mutual TLS is still required after the reload
            SSLContext noCert = SSLContext.getInstance("TLSv1.3");
            noCert.init(null, new javax.net.ssl.TrustManager[] {trustAll()}, null);
            try (SSLSocket s = (SSLSocket) noCert.getSocketFactory().createSocket("127.0.0.1", stack.node.relayAddress().getPort())) {
                s.setSoTimeout(5000);
                assertThrows(IOException.class, () -> {
                    s.startHandshake();
                    s.getOutputStream().write(1);
                    s.getOutputStream().flush();
                    if (s.getInputStream().read() < 0) throw new java.io.EOFException();
                });
            }
            assertEquals(1.0, stack.node.meters().get("tls_reloads_total").tag("result", "success").counter().count());
        }
    }

    @Test
    void aWrapperNotOnTheBridgesAllowListIsRefusedByTheBridge() throws Exception {
        try (Stack stack = Stack.start(dir)) {
            // Valid outer certificate (the beacon splices), but the inner certificate is another tenant's: the bridge refuses it.
            var client = stack.wrapper(stack.pki.wrapper("acme", "stranger"), stack.pki.innerWrapper("globex", "stranger"));
            IOException e = assertThrows(IOException.class, () -> {
                try (WrapperStream s = client.open(Stack.BRIDGE)) {
                    HttpExchange.send(s, "GET", "/v1/secret/data/app", Map.of(), null);
                }
            });
            assertTrue(e.getMessage().contains("refused this wrapper's inner certificate"), e.getMessage());
            assertEquals(0, stack.upstream.httpRequests.get(), "nothing reached the upstream");
            dev.beacon.tls.testing.Await.until("bridge counted the refusal", java.time.Duration.ofSeconds(5),
                    () -> stack.bridge.meters().get("bridge_streams_total").tag("result", "refused").counter().count() >= 1);
        }
    }

    private static BigInteger serialSeenBy(Stack stack) throws Exception {
        try (SSLSocket s = stack.wrapper("probe").connectOuter(stack.beaconAddress())) {
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    private static javax.net.ssl.X509TrustManager trustAll() {
        return new javax.net.ssl.X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] c, String a) { }
            public void checkServerTrusted(X509Certificate[] c, String a) { }
            public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        };
    }
}
