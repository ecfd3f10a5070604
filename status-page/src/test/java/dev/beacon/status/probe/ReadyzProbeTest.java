package dev.beacon.status.probe;

import dev.beacon.status.Status;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** /readyz as a load balancer would read it, and the confirming retry that keeps one blip off the status page. */
class ReadyzProbeTest {

    @Test
    void aFailureFollowedBySuccessOnTheRetryIsUpNotDown() throws Exception {
        ProbeResult r = confirmAgainst(503, 200);

        assertEquals(Status.UP, r.status());
        assertEquals(2, r.attempts());
        assertEquals("", r.reason());
    }

    @Test
    void aNodeThatStaysUnreadyIsDownWithTheStatusItAnswered() throws Exception {
        ProbeResult r = confirmAgainst(503, 503);

        assertEquals(Status.DOWN, r.status());
        assertEquals("/readyz answered 503", r.reason());
        assertEquals(2, r.attempts());
    }

    @Test
    void aClosedAdminPortIsDownWithConnectionRefused() throws Exception {
        HttpServer server = answering(200);
        server.stop(0);

        ProbeResult r = TestBeacon.confirm(TestBeacon.fast(), probe(server));

        assertEquals(Status.DOWN, r.status());
        assertEquals("connection refused", r.reason());
    }

    /** One confirmed result against an admin port answering {@code statuses} in turn. */
    private static ProbeResult confirmAgainst(Integer... statuses) throws Exception {
        HttpServer server = answering(statuses);
        try {
            return TestBeacon.confirm(TestBeacon.fast(), probe(server));
        } finally {
            server.stop(0);
        }
    }

    private static ReadyzProbe probe(HttpServer server) {
        return new ReadyzProbe("n1", URI.create("http://127.0.0.1:" + server.getAddress().getPort()), HttpClient.newHttpClient());
    }

    /** An admin port whose /readyz answers these statuses in turn, the last one from then on. */
    private static HttpServer answering(Integer... statuses) throws Exception {
        List<Integer> answers = List.of(statuses);
        AtomicInteger asked = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/readyz", exchange -> {
            int status = answers.get(Math.min(asked.getAndIncrement(), answers.size() - 1));
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
        return server;
    }
}
