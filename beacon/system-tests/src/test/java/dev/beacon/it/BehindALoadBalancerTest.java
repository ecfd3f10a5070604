package dev.beacon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.beacon.tls.testing.Await;
import dev.beacon.wrapper.WrapperClient;
import dev.beacon.wrapper.WrapperStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reference wrapper and bridge with a PROXY protocol v2 load balancer (127.0.0.2) in front of the node
 * (relay.proxyProtocol): the wrapper works through it, and each client behind it is rate-limited on its own.
 */
class BehindALoadBalancerTest {
    static final String BALANCER = "127.0.0.2";

    @TempDir
    Path dir;

    private static Stack stack(Path dir, int perSource) throws Exception {
        return Stack.start(dir, c -> {
            c.relay.proxyProtocol.enabled = true;
            c.relay.proxyProtocol.trustedSources = List.of(BALANCER + "/32");
            c.limits.connectionsPerSecondPerSource = perSource;
        });
    }

    private static WrapperClient wrapperVia(Stack stack, ProxyV2Balancer lb, String name) {
        return Stack.wrapperOf(stack.pki, lb.address(), name, Duration.ZERO);
    }

    @Test
    void aWrapperBehindTheBalancerReadsThroughTheRelay() throws Exception {
        try (Stack stack = stack(dir, 100); ProxyV2Balancer lb = new ProxyV2Balancer(BALANCER, stack.node.relayAddress().getPort())) {
            try (WrapperStream s = wrapperVia(stack, lb, "behind").open(Stack.BRIDGE)) {
                roundTrip(s, "through the balancer");
            }
            assertEquals(1, stack.metric("beacon_proxy_headers_accepted_total", "command", "proxy"), "one header, one stream");
            // the bridge dials the node directly (from outside the trusted range) and is served as before
            assertTrue(stack.bridge.ready());
        }
    }

    @Test
    void aFloodFromOneClientBehindTheBalancerDoesNotLimitAnotherClient() throws Exception {
        ch.qos.logback.classic.Logger relayLog = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("beacon.relay");
        List<String> lines = new CopyOnWriteArrayList<>();
        AppenderBase<ILoggingEvent> capture = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent e) {
                lines.add(e.getFormattedMessage());
            }
        };
        capture.start();
        relayLog.addAppender(capture);
        List<Socket> flood = new ArrayList<>();
        try (Stack stack = stack(dir, 5); ProxyV2Balancer lb = new ProxyV2Balancer(BALANCER, stack.node.relayAddress().getPort())) {
            InetAddress flooder = InetAddress.getByName("127.0.0.5");
            for (int i = 0; i < 30; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), lb.port(), flooder, 0);
                s.getOutputStream().write(0x16); // the start of a ClientHello, then nothing
                flood.add(s);
            }
            Await.until("the flooding client is limited", Duration.ofSeconds(10),
                    () -> stack.metric("beacon_handshake_failures_total", "reason", "rate_limited") >= 15);
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("refused source=127.0.0.5 reason=rate_limited")), String.join("\n", lines));
            // Every connection came from the balancer's one address; without the header this wrapper would be limited too.
            try (WrapperStream s = wrapperVia(stack, lb, "neighbour").open(Stack.BRIDGE)) {
                roundTrip(s, "another client behind the same balancer is served");
            }
        } finally {
            for (Socket s : flood) s.close();
            relayLog.detachAppender(capture);
        }
    }

    private static void roundTrip(WrapperStream s, String text) throws IOException {
        s.out().write("ECHO".getBytes(StandardCharsets.US_ASCII));
        s.out().flush();
        assertEquals("ECHO", new String(s.in().readNBytes(4), StandardCharsets.US_ASCII));
        byte[] m = (text + "\n").getBytes(StandardCharsets.US_ASCII);
        s.out().write(m);
        s.out().flush();
        assertEquals(text + "\n", new String(s.in().readNBytes(m.length), StandardCharsets.US_ASCII));
    }
}
