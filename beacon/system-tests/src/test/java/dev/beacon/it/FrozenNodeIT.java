package dev.beacon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.bridge.openbao.sim.OpenBaoSimulator;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.TlsMaterial;
import dev.beacon.tls.testing.Await;
import dev.beacon.wrapper.HttpExchange;
import dev.beacon.wrapper.WrapperClient;
import dev.beacon.wrapper.WrapperStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: one of three nodes frozen with SIGSTOP (the kernel still accepts TCP; nothing answers), as a frozen process,
 * a GC stall or a black-holed path behind a load balancer. Real node processes, the bridge as a process with the
 * product's defaults, the OpenBao simulator, real TLS. A wrapper whose address list starts with the frozen node must
 * read the secret through the next node within its connect timeout plus a margin (docs/protocol.md section 13), the
 * library and the {@code beacon.jar wrapper} command alike; the bridge keeps serving through the other nodes; after
 * SIGCONT the frozen node serves again. Before the fix the wrapper took its 60 s read timeout and then failed.
 */
class FrozenNodeIT {
    /** The wrapper's connect timeout (5 s) plus a margin for a busy machine and, for the command, a JVM start. */
    private static final long BOUND_MS = 15_000;
    private static final String SECRET_PATH = "/v1/secret/data/app/config";

    @TempDir
    Path dir;

    private static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }

    @Test
    void aWrapperListingAFrozenNodeFirstReadsTheSecretThroughTheNextNode() throws Exception {
        try (ClusterHarness h = new ClusterHarness(dir, 3).startAll()) {
            OpenBaoSimulator.Options bo = new OpenBaoSimulator.Options();
            bo.tls = h.pki.node("openbao");
            bo.seed = Map.of("app/config", Map.of("password", "s3cr3t"));
            try (OpenBaoSimulator bao = OpenBaoSimulator.start(bo);
                 BridgeReplica bridge = new BridgeReplica(dir.resolve("bridges"), "b1", h.pki, List.of(h.node(0).relay()), "",
                         Map.of("BRIDGE_OPENBAO_ADDRESSES", String.join(",", bao.addresses()),
                                 "BRIDGE_OPENBAO_CA", bo.tls.ca().toString()))) {
                bao.awaitActive(Duration.ofSeconds(10));
                bridge.awaitReady(Duration.ofSeconds(60));
                Await.until("bridge holds 3 nodes", Duration.ofSeconds(30), () -> bridge.registeredNodes() == 3);
                NodeProcess frozen = h.node(0);
                List<NodeProcess> frozenFirst = List.of(frozen, h.node(1), h.node(2));
                readSecret(wrapper(h, "before", frozenFirst), null);

                frozen.signal("STOP");
                long library;
                long command;
                List<Long> others = new ArrayList<>();
                try {
                    long t0 = System.nanoTime();
                    WrapperClient w = wrapper(h, "first-frozen", frozenFirst);
                    String node = readSecret(w, frozen.id);
                    library = ms(t0);
                    assertNotEquals(frozen.id, node);

                    t0 = System.nanoTime();
                    CommandRun run = wrapperCommand(h, frozenFirst);
                    command = ms(t0);
                    assertEquals(0, run.exit, run.toString());
                    assertTrue(run.out.contains("s3cr3t"), run.toString());

                    // the bridge serves on through the other nodes while one is frozen
                    for (NodeProcess n : List.of(h.node(1), h.node(2), h.node(1), h.node(2))) {
                        long t1 = System.nanoTime();
                        readSecret(wrapper(h, "other", List.of(n)), frozen.id);
                        others.add(ms(t1));
                    }
                    assertEquals(200, bridge.status("/readyz"));
                } finally {
                    frozen.signal("CONT");
                }
                long thawed = System.nanoTime();
                h.awaitMembers(3);
                Await.until("bridge holds 3 nodes again", Duration.ofSeconds(60), () -> bridge.registeredNodes() == 3);
                readSecret(wrapper(h, "thawed", List.of(frozen)), null);
                long recovered = ms(thawed);

                System.out.printf("FROZEN node %s (SIGSTOP), listed first: the reference wrapper read the secret after %d ms, "
                                + "beacon.jar wrapper after %d ms (JVM start included); through the other nodes meanwhile %s ms; "
                                + "after SIGCONT: member, held by the bridge and serving again after %d ms%n",
                        frozen.id, library, command, others, recovered);
                assertTrue(library < BOUND_MS, "the library wrapper moved on after its connect timeout, took " + library + " ms");
                assertTrue(command < BOUND_MS, "the wrapper command moved on after its connect timeout, took " + command + " ms");
            }
        }
    }

    /** The reference wrapper with the product's default timeouts. */
    private static WrapperClient wrapper(ClusterHarness h, String name, List<NodeProcess> entry) {
        WrapperClient.Options o = new WrapperClient.Options();
        o.beacons = entry.stream().map(NodeProcess::relay).toList();
        o.outer = TlsMaterial.load(h.pki.wrapper(Stack.TENANT, name));
        o.inner = TlsMaterial.load(h.pki.innerWrapper(Stack.TENANT, name));
        return new WrapperClient(o);
    }

    /** Reads the seeded secret; returns the node that spliced the stream, which must not be {@code notVia}. */
    private static String readSecret(WrapperClient w, String notVia) throws Exception {
        try (WrapperStream s = w.open(Stack.BRIDGE)) {
            HttpExchange.Response r = HttpExchange.send(s, "GET", SECRET_PATH, Map.of("X-Vault-Token", "root"), null);
            assertEquals(200, r.status(), r.bodyText());
            assertTrue(r.bodyText().contains("s3cr3t"), r.bodyText());
            if (notVia != null) assertNotEquals(notVia, s.node());
            return s.node();
        }
    }

    private record CommandRun(int exit, String out, String err) {
    }

    /** {@code beacon.jar wrapper} as local.json's wrapper command runs it: every node listed, default timeouts. */
    private CommandRun wrapperCommand(ClusterHarness h, List<NodeProcess> entry) throws Exception {
        TlsFiles outer = h.pki.wrapper(Stack.TENANT, "command");
        TlsFiles inner = h.pki.innerWrapper(Stack.TENANT, "command");
        Path out = dir.resolve("wrapper-command.out");
        Path err = dir.resolve("wrapper-command.err");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-jar", NodeProcess.JAR.toString(), "wrapper",
                "--beacon", String.join(",", entry.stream().map(NodeProcess::relay).toList()), "--bridge", Stack.BRIDGE,
                "--cert", outer.cert().toString(), "--key", outer.key().toString(), "--ca", outer.ca().toString(),
                "--inner-cert", inner.cert().toString(), "--inner-key", inner.key().toString(), "--inner-ca", inner.ca().toString(),
                "-H", "X-Vault-Token:root", "--path", SECRET_PATH)
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) throw new AssertionError("beacon.jar wrapper still running after 120 s");
        } finally {
            p.destroyForcibly();
        }
        return new CommandRun(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
