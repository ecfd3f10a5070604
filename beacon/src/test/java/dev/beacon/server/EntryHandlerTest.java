package dev.beacon.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.protocol.ErrorCode;
import dev.beacon.protocol.Frame;
import dev.beacon.protocol.FrameType;
import dev.beacon.tls.Identity;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a client sees from its first frame: which check refuses it (docs/protocol.md 6.1-6.4, in the documented
 * order) or what it is accepted as. Connections are EmbeddedChannels carrying Frame objects; the identity is handed
 * to the handler instead of coming from a TLS session.
 */
class EntryHandlerTest {
    private static final String TD = "beacon.test";
    private static final Identity WRAPPER = Identity.wrapper(TD, "acme", "app");
    private static final Identity BRIDGE = Identity.bridge(TD, "acme", "vault");
    private static final Identity NODE_C = Identity.node(TD, "node-c");
    private static final Registry.Key VAULT = new Registry.Key(TD, "acme", "vault");
    private static final ClusterView.NodeRef SELF = new ClusterView.NodeRef("node-a", "10.0.0.1:8443");

    private final BeaconConfig config = new BeaconConfig();
    private final FakeCluster cluster = new FakeCluster(SELF);
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private Relay relay;

    @BeforeEach
    void relay() {
        config.node.ioThreads = 1;
        config.limits.maxStreamsPerIdentity = 2;
        config.limits.maxControlConnectionsPerBridge = 1;
        newRelay();
    }

    private void newRelay() {
        if (relay != null) relay.stop();
        relay = new Relay(config, "node-a", null, new SimpleMeterRegistry());
        relay.cluster = cluster;
    }

    @AfterEach
    void close() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
        relay.stop();
    }

    // ---- the harness ----

    /** A connection whose TLS handshake has completed with {@code id} as the client's identity. */
    private EmbeddedChannel connection(Identity id) {
        EmbeddedChannel ch = new EmbeddedChannel();
        channels.add(ch);
        ch.freezeTime(); // time moves only when a test advances it, from before the first timer is set
        // stand-ins for the frame codec, which the handler removes by name when it splices
        ch.pipeline().addLast("frames", new ChannelInboundHandlerAdapter())
                .addLast("encoder", new ChannelOutboundHandlerAdapter())
                .addLast("entry", new EntryHandler(relay, "10.0.0.9", ctx -> id));
        ch.pipeline().fireChannelActive(); // the handlers came after the channel's own activation
        ch.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
        return ch;
    }

    private EmbeddedChannel plainChannel() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        channels.add(ch);
        return ch;
    }

    /** The one ERROR the client got; the beacon closed the connection after it. */
    private static Frame refusal(EmbeddedChannel ch) {
        ch.runPendingTasks();
        Frame f = ch.readOutbound();
        assertNotNull(f, "an ERROR frame was written");
        assertEquals(FrameType.ERROR, f.type(), f.toString());
        assertNull(ch.readOutbound(), "exactly one frame");
        assertFalse(ch.isOpen(), "the connection is closed after the ERROR");
        return f;
    }

    private static void assertRefused(EmbeddedChannel ch, ErrorCode code, String messagePart) {
        Frame f = refusal(ch);
        assertEquals(code.wire(), f.text("code"), f.toString());
        assertTrue(f.text("message").contains(messagePart), "message '" + f.text("message") + "' mentions '" + messagePart + "'");
    }

    private static Frame connect(String bridge) {
        return Frame.of(FrameType.CONNECT).put("versions", List.of(1)).put("bridge", bridge);
    }

    private static Frame forward() {
        return Frame.of(FrameType.FORWARD).put("versions", List.of(1)).put("trust_domain", TD).put("tenant", "acme")
                .put("bridge", "vault").put("wrapper", WRAPPER.uri()).put("source", "10.0.0.7");
    }

    private EmbeddedChannel registeredBridgeWithIdleData() {
        relay.registry.register(VAULT, plainChannel(), 1);
        EmbeddedChannel data = plainChannel();
        relay.registry.attach(VAULT, data);
        return data;
    }

    private void nodeCIsAMember() {
        cluster.nodes.add(new ClusterView.NodeRef("node-c", "10.0.0.3:8443"));
    }

    // ---- identity and the first frame ----

    @Test
    void aCertificateWithoutIdentityIsForbiddenBeforeAnyFrame() {
        EmbeddedChannel ch = connection(null);
        assertRefused(ch, ErrorCode.FORBIDDEN, "no valid spiffe:// identity");
    }

    @Test
    void anIdentityOutsideTheNodesTrustDomainIsForbiddenBeforeAnyFrame() {
        config.node.trustDomain = "other.test";
        newRelay();
        EmbeddedChannel ch = connection(WRAPPER);
        assertRefused(ch, ErrorCode.FORBIDDEN, "trust domain 'other.test'");
    }

    @Test
    void aFirstFrameThatOpensNothingIsAProtocolError() {
        EmbeddedChannel ch = connection(WRAPPER);
        ch.writeInbound(Frame.of(FrameType.PING));
        assertRefused(ch, ErrorCode.PROTOCOL_ERROR, "expected CONNECT, REGISTER, ATTACH or FORWARD as the first frame, got PING");
    }

    @Test
    void theFirstFrameDecidesTheRoleForTheRestOfTheConnection() {
        EmbeddedChannel ch = connection(BRIDGE);
        ch.writeInbound(Frame.of(FrameType.REGISTER).put("versions", List.of(1)));
        assertEquals(FrameType.REGISTERED, ((Frame) ch.readOutbound()).type());

        ch.writeInbound(connect("vault"));

        assertRefused(ch, ErrorCode.PROTOCOL_ERROR, "CONNECT is not allowed on a control connection");
    }

    @Test
    void noFirstFrameWithinTheHandshakeTimeoutIsTimeout() {
        EmbeddedChannel ch = connection(WRAPPER);
        long ms = config.limits.handshakeTimeout.toMillis();
        ch.advanceTimeBy(ms - 1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertNull(ch.readOutbound(), "nothing before the deadline");

        ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();

        assertRefused(ch, ErrorCode.TIMEOUT, "no first frame within " + ms + " ms");
    }

    @Test
    void aFirstFrameInTimeCancelsTheTimeout() {
        EmbeddedChannel ch = connection(BRIDGE);
        ch.writeInbound(Frame.of(FrameType.REGISTER).put("versions", List.of(1)));
        ch.readOutbound();
        ch.advanceTimeBy(config.limits.handshakeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertNull(ch.readOutbound());
        assertTrue(ch.isOpen());
    }

    // ---- CONNECT, docs/protocol.md 6.1: role, versions, tenant grammar and tenant, bridge grammar, draining, stream cap ----

    @Test
    void connectFromABridgeCertificateIsForbiddenBeforeAnythingElse() {
        EmbeddedChannel ch = connection(BRIDGE);
        ch.writeInbound(Frame.of(FrameType.CONNECT).put("versions", List.of(9)));
        assertRefused(ch, ErrorCode.FORBIDDEN, "only a wrapper certificate may CONNECT (this is a bridge)");
    }

    @Test
    void connectWithoutACommonVersionIsUnsupportedVersionAndSaysWhichAreSupported() {
        EmbeddedChannel ch = connection(WRAPPER);
        ch.writeInbound(Frame.of(FrameType.CONNECT).put("versions", List.of(9)).put("tenant", "other"));
        Frame f = refusal(ch);
        assertEquals("unsupported_version", f.text("code"));
        assertEquals("[1]", f.body().get("supported").toString());
    }

    @Test
    void aMalformedTenantIsAProtocolErrorBeforeTheTenantIsCompared() {
        EmbeddedChannel ch = connection(WRAPPER);
        ch.writeInbound(Frame.of(FrameType.CONNECT).put("versions", List.of(1)).put("tenant", "../other").put("bridge", "bad id!"));
        assertRefused(ch, ErrorCode.PROTOCOL_ERROR, "CONNECT field \"tenant\" is not a valid identifier");
    }

    @Test
    void anotherTenantsBridgeIsForbiddenBeforeTheBridgeIsChecked() {
        EmbeddedChannel ch = connection(WRAPPER);
        ch.writeInbound(Frame.of(FrameType.CONNECT).put("versions", List.of(1)).put("tenant", "other").put("bridge", "bad id!"));
        assertRefused(ch, ErrorCode.FORBIDDEN, "tenant 'acme' may not reach bridges of tenant 'other'");
    }

    @Test
    void theWrappersOwnTenantMayBeNamed() {
        registeredBridgeWithIdleData();
        EmbeddedChannel ch = connection(WRAPPER);
        ch.writeInbound(connect("vault").put("tenant", "acme"));
        ch.runPendingTasks();
        assertEquals(FrameType.CONNECTED, ((Frame) ch.readOutbound()).type());
    }

    @Test
    void aMissingBridgeIsAProtocolErrorBeforeTheTenantAndDraining() {
        relay.draining = true;
        EmbeddedChannel ch = connection(WRAPPER);
        ch.writeInbound(Frame.of(FrameType.CONNECT).put("versions", List.of(1)).put("tenant", "other"));
        assertRefused(ch, ErrorCode.PROTOCOL_ERROR, "CONNECT field \"bridge\" is missing or not a string");
    }

    @Test
    void anEmptyBridgeIsAProtocolError() {
        EmbeddedChannel ch = connection(WRAPPER);
        ch.writeInbound(connect(""));
        assertRefused(ch, ErrorCode.PROTOCOL_ERROR, "CONNECT field \"bridge\" is missing or not a bridge id");
    }

    @Test
    void aMalformedBridgeIsAProtocolErrorQuotingItSafelyBeforeDraining() {
        relay.draining = true;
        EmbeddedChannel ch = connection(WRAPPER);
        ch.writeInbound(connect("vault\u001b[2J\nforged log line"));
        Frame f = refusal(ch);
        assertEquals("protocol_error", f.text("code"));
        String msg = f.text("message");
        assertTrue(msg.contains("CONNECT field \"bridge\" is not a valid identifier: 'vault\\u001b[2J\\nforged log line'"), msg);
        assertFalse(msg.contains("\u001b") || msg.contains("\n"), "control characters are escaped: " + msg);
    }

    @Test
    void aDrainingNodeRefusesWithTheReconnectHintBeforeTheStreamCap() {
        relay.draining = true;
        fillStreamSlots();
        EmbeddedChannel ch = connection(WRAPPER);
        ch.writeInbound(connect("vault"));
        Frame f = refusal(ch);
        assertEquals("draining", f.text("code"));
        assertEquals(config.drain.reconnectHint.toMillis(), f.number("retry_after_ms", -1));
    }

    @Test
    void aWrapperAtItsStreamCapIsOverloadedBeforeRouting() {
        fillStreamSlots();
        EmbeddedChannel ch = connection(WRAPPER);
        ch.writeInbound(connect("vault")); // connected nowhere: routing would say unknown_bridge
        Frame f = refusal(ch);
        assertEquals("overloaded", f.text("code"));
        assertEquals(1000, f.number("retry_after_ms", -1));
        assertTrue(f.text("message").contains("already has 2 open streams"), f.text("message"));
    }

    private void fillStreamSlots() {
        for (int i = 0; i < config.limits.maxStreamsPerIdentity; i++) assertTrue(relay.streamCounts.acquire(WRAPPER.uri()));
    }

    @Test
    void aStreamSlotIsGivenBackWhenAWaitingWrapperHangsUp() {
        relay.registry.register(VAULT, plainChannel(), 1);
        EmbeddedChannel first = connection(WRAPPER);
        first.writeInbound(connect("vault"));
        EmbeddedChannel second = connection(WRAPPER);
        second.writeInbound(connect("vault"));
        EmbeddedChannel third = connection(WRAPPER);
        third.writeInbound(connect("vault"));
        assertEquals("overloaded", refusal(third).text("code"));

        first.close();
        EmbeddedChannel fourth = connection(WRAPPER);
        fourth.writeInbound(connect("vault"));

        fourth.runPendingTasks();
        assertNull(fourth.readOutbound(), "waiting for a data connection, not refused");
        assertTrue(fourth.isOpen());
    }

    @Test
    void aBridgeConnectedNowhereIsUnknownBridgeAtOnce() {
        EmbeddedChannel ch = connection(WRAPPER);
        ch.writeInbound(connect("vault"));
        assertRefused(ch, ErrorCode.UNKNOWN_BRIDGE, "no bridge 'vault' is connected for tenant 'acme'");
    }

    @Test
    void aWrapperIsSplicedWithAnIdleDataConnection() {
        EmbeddedChannel data = registeredBridgeWithIdleData();
        EmbeddedChannel wrapper = connection(WRAPPER);

        wrapper.writeInbound(connect("vault"));
        data.runPendingTasks();
        wrapper.runPendingTasks();

        Frame stream = data.readOutbound();
        assertEquals(FrameType.STREAM, stream.type());
        assertEquals(1, stream.number("version", -1));
        assertEquals(WRAPPER.uri(), stream.text("wrapper"));
        assertEquals("10.0.0.9", stream.text("source"));
        Frame connected = wrapper.readOutbound();
        assertEquals(FrameType.CONNECTED, connected.type());
        assertEquals(1, connected.number("version", -1));
        assertEquals("node-a", connected.text("node"));
        assertEquals(stream.text("stream"), connected.text("stream"), "the wrapper and the bridge see one stream id");

        wrapper.writeInbound(Unpooled.copiedBuffer("client hello", StandardCharsets.UTF_8));
        ByteBuf relayed = data.readOutbound();
        try {
            assertEquals("client hello", relayed.toString(StandardCharsets.UTF_8), "stream bytes reach the bridge after STREAM");
        } finally {
            relayed.release();
        }
    }

    @Test
    void aWrapperWaitsWhileThePoolIsEmptyAndTheBridgeIsAskedForMore() {
        EmbeddedChannel control = plainChannel();
        relay.registry.register(VAULT, control, 1);
        EmbeddedChannel wrapper = connection(WRAPPER);

        wrapper.writeInbound(connect("vault"));

        Frame want = control.readOutbound();
        assertEquals(FrameType.WANT, want.type());
        wrapper.runPendingTasks();
        assertNull(wrapper.readOutbound());

        EmbeddedChannel data = plainChannel();
        relay.registry.attach(VAULT, data);
        data.runPendingTasks();
        wrapper.runPendingTasks();
        assertEquals(FrameType.STREAM, ((Frame) data.readOutbound()).type());
        assertEquals(FrameType.CONNECTED, ((Frame) wrapper.readOutbound()).type());
    }

    @Test
    void aWaitingWrapperGetsOverloadedAfterTheStreamSetupTimeout() {
        relay.registry.register(VAULT, plainChannel(), 1);
        EmbeddedChannel wrapper = connection(WRAPPER);
        wrapper.writeInbound(connect("vault"));

        wrapper.advanceTimeBy(config.limits.streamSetupTimeout.toMillis(), TimeUnit.MILLISECONDS);
        wrapper.runScheduledPendingTasks();

        Frame f = refusal(wrapper);
        assertEquals("overloaded", f.text("code"));
        assertEquals(1000, f.number("retry_after_ms", -1));
    }

    @Test
    void aNodeThatHoldsTheBridgeNeverForwardsEvenWithAnEmptyPool() {
        relay.registry.register(VAULT, plainChannel(), 1);
        cluster.holders.put(TD + "/acme/vault", List.of(new ClusterView.NodeRef("node-b", "10.0.0.2:8443")));
        EmbeddedChannel wrapper = connection(WRAPPER); // relay.links is null: a forward attempt would throw
        wrapper.writeInbound(connect("vault"));
        wrapper.runPendingTasks();
        assertNull(wrapper.readOutbound());
        assertTrue(wrapper.isOpen(), "waiting here");
    }

    // ---- REGISTER and ATTACH: bridge certificates only ----

    @Test
    void registerWithAWrapperCertificateIsForbidden() {
        EmbeddedChannel ch = connection(WRAPPER);
        ch.writeInbound(Frame.of(FrameType.REGISTER).put("versions", List.of(1)));
        assertRefused(ch, ErrorCode.FORBIDDEN, "only a bridge certificate may REGISTER (this is a wrapper)");
    }

    @Test
    void attachWithANodeCertificateIsForbidden() {
        EmbeddedChannel ch = connection(NODE_C);
        ch.writeInbound(Frame.of(FrameType.ATTACH).put("versions", List.of(1)));
        assertRefused(ch, ErrorCode.FORBIDDEN, "only a bridge certificate may ATTACH (this is a node)");
    }

    @Test
    void registerIsAnsweredWithRegisteredAndAnnouncesTheBridge() {
        cluster.nodes.add(new ClusterView.NodeRef("node-b", "10.0.0.2:8443"));
        EmbeddedChannel ch = connection(BRIDGE);
        ch.writeInbound(Frame.of(FrameType.REGISTER).put("versions", List.of(1)).put("agent", "bridge/1"));

        Frame f = ch.readOutbound();
        assertEquals(FrameType.REGISTERED, f.type());
        assertEquals(1, f.number("version", -1));
        assertEquals("node-a", f.text("node"));
        assertEquals(config.bridges.poolSize, f.number("pool", -1));
        assertEquals(config.bridges.heartbeatInterval.toMillis(), f.number("heartbeat_ms", -1));
        assertEquals("[{\"id\":\"node-a\",\"relay\":\"10.0.0.1:8443\"},{\"id\":\"node-b\",\"relay\":\"10.0.0.2:8443\"}]",
                f.body().get("nodes").toString());
        assertEquals(List.of("up beacon.test/acme/vault"), cluster.announced);
        assertTrue(relay.registry.has(VAULT));

        ch.close();
        assertEquals(List.of("up beacon.test/acme/vault", "down beacon.test/acme/vault"), cluster.announced,
                "the last control connection closing withdraws the bridge");
    }

    @Test
    void theControlConnectionAnswersPingWithPong() {
        EmbeddedChannel ch = connection(BRIDGE);
        ch.writeInbound(Frame.of(FrameType.REGISTER).put("versions", List.of(1)));
        ch.readOutbound();
        ch.writeInbound(Frame.of(FrameType.PING).put("seq", 7));
        Frame pong = ch.readOutbound();
        assertEquals(FrameType.PONG, pong.type());
        assertEquals(7, pong.number("seq", -1));
    }

    @Test
    void registerBeyondTheControlConnectionCapIsOverloadedAndLeavesTheOthers() {
        EmbeddedChannel first = connection(BRIDGE);
        first.writeInbound(Frame.of(FrameType.REGISTER).put("versions", List.of(1)));
        first.readOutbound();
        EmbeddedChannel second = connection(BRIDGE);
        second.writeInbound(Frame.of(FrameType.REGISTER).put("versions", List.of(1)));

        Frame f = refusal(second);
        assertEquals("overloaded", f.text("code"));
        assertEquals(1000, f.number("retry_after_ms", -1));
        assertTrue(f.text("message").contains("limits.maxControlConnectionsPerBridge"), f.text("message"));
        assertTrue(first.isOpen());
        assertEquals(1, relay.registry.controls().size());
    }

    @Test
    void registerWhileDrainingIsDraining() {
        relay.draining = true;
        EmbeddedChannel ch = connection(BRIDGE);
        ch.writeInbound(Frame.of(FrameType.REGISTER).put("versions", List.of(1)));
        assertRefused(ch, ErrorCode.DRAINING, "is draining");
    }

    @Test
    void attachBeforeRegisterIsUnknownBridge() {
        EmbeddedChannel ch = connection(BRIDGE);
        ch.writeInbound(Frame.of(FrameType.ATTACH).put("versions", List.of(1)));
        assertRefused(ch, ErrorCode.UNKNOWN_BRIDGE, "REGISTER before ATTACH");
    }

    @Test
    void anAttachedDataConnectionJoinsThePoolAndMaySendNothing() {
        relay.registry.register(VAULT, plainChannel(), 1);
        EmbeddedChannel ch = connection(BRIDGE);
        ch.writeInbound(Frame.of(FrameType.ATTACH).put("versions", List.of(1)));
        assertNull(ch.readOutbound(), "ATTACH has no reply");
        assertEquals(1, relay.registry.idleCount());

        ch.writeInbound(Frame.of(FrameType.PONG));

        assertRefused(ch, ErrorCode.PROTOCOL_ERROR, "a bridge sends nothing on a data connection before STREAM");
        assertEquals(0, relay.registry.idleCount(), "the closed connection left the pool");
    }

    // ---- FORWARD, docs/protocol.md 6.4: role, versions, fields and grammar, draining, membership, bridge here ----

    @Test
    void forwardFromAWrapperCertificateIsForbiddenBeforeAnythingElse() {
        EmbeddedChannel ch = connection(WRAPPER);
        ch.writeInbound(Frame.of(FrameType.FORWARD).put("versions", List.of(9)));
        assertRefused(ch, ErrorCode.FORBIDDEN, "only a node certificate may FORWARD (this is a wrapper)");
    }

    @Test
    void forwardWithoutACommonVersionIsUnsupportedVersionBeforeTheFields() {
        EmbeddedChannel ch = connection(NODE_C);
        ch.writeInbound(Frame.of(FrameType.FORWARD).put("versions", List.of(9)));
        assertRefused(ch, ErrorCode.UNSUPPORTED_VERSION, "speaks protocol versions [1]");
    }

    @Test
    void forwardWithAFieldMissingOrNotAStringIsAProtocolErrorBeforeDraining() {
        relay.draining = true;
        for (String field : List.of("trust_domain", "tenant", "bridge", "wrapper")) {
            Frame missing = forward();
            missing.body().remove(field);
            EmbeddedChannel ch = connection(NODE_C);
            ch.writeInbound(missing);
            assertRefused(ch, ErrorCode.PROTOCOL_ERROR, "FORWARD field \"" + field + "\" is missing or not a string");

            EmbeddedChannel typed = connection(NODE_C);
            typed.writeInbound(forward().put(field, 5));
            assertRefused(typed, ErrorCode.PROTOCOL_ERROR, "FORWARD field \"" + field + "\" is missing or not a string");
        }
    }

    @Test
    void forwardFieldsOutsideTheIdentityGrammarAreProtocolErrorsBeforeDrainingOrMembership() {
        relay.draining = true; // and node-c is not a member: both checks come later
        String otherTenantsWrapper = Identity.wrapper(TD, "other", "app").uri();
        String aBridgeNotAWrapper = BRIDGE.uri();
        List<List<String>> cases = List.of(
                List.of("trust_domain", "Beacon.Test"),
                List.of("tenant", "acme corp"),
                List.of("bridge", "-vault"),
                List.of("wrapper", "spiffe://beacon.test/tenant/acme/wrapper/app?x=1"),
                List.of("wrapper", otherTenantsWrapper),
                List.of("wrapper", aBridgeNotAWrapper),
                List.of("source", "10.0.0.7 via node-x"));
        for (List<String> c : cases) {
            EmbeddedChannel ch = connection(NODE_C);
            ch.writeInbound(forward().put(c.get(0), c.get(1)));
            assertRefused(ch, ErrorCode.PROTOCOL_ERROR, "FORWARD field \"" + c.get(0) + "\"");
        }
    }

    @Test
    void forwardToADrainingNodeIsDrainingBeforeMembership() {
        relay.draining = true;
        EmbeddedChannel ch = connection(NODE_C);
        ch.writeInbound(forward());
        Frame f = refusal(ch);
        assertEquals("draining", f.text("code"));
        assertEquals(config.drain.reconnectHint.toMillis(), f.number("retry_after_ms", -1));
    }

    @Test
    void forwardFromANodeThatIsNotALiveMemberIsForbidden() {
        registeredBridgeWithIdleData();
        EmbeddedChannel ch = connection(NODE_C);
        ch.writeInbound(forward());
        assertRefused(ch, ErrorCode.FORBIDDEN, "node node-c is not a live member of this cluster");
    }

    @Test
    void forwardForABridgeNotConnectedHereIsUnknownBridgeNeverASecondHop() {
        nodeCIsAMember();
        cluster.holders.put(TD + "/acme/vault", List.of(new ClusterView.NodeRef("node-b", "10.0.0.2:8443")));
        EmbeddedChannel ch = connection(NODE_C);
        ch.writeInbound(forward());
        assertRefused(ch, ErrorCode.UNKNOWN_BRIDGE, "bridge 'vault' of tenant 'acme' is not connected to node node-a");
    }

    @Test
    void aForwardedStreamIsSplicedAndTheBridgeLearnsTheWrapperAndTheHop() {
        nodeCIsAMember();
        EmbeddedChannel data = registeredBridgeWithIdleData();
        EmbeddedChannel link = connection(NODE_C);

        link.writeInbound(forward());
        data.runPendingTasks();
        link.runPendingTasks();

        Frame stream = data.readOutbound();
        assertEquals(FrameType.STREAM, stream.type());
        assertEquals(WRAPPER.uri(), stream.text("wrapper"));
        assertEquals("10.0.0.7 via node-c", stream.text("source"));
        Frame connected = link.readOutbound();
        assertEquals(FrameType.CONNECTED, connected.type());
        assertEquals("node-a", connected.text("node"));
    }

    @Test
    void forwardIsNotCountedAgainstTheWrappersStreamCap() {
        nodeCIsAMember();
        fillStreamSlots();
        registeredBridgeWithIdleData();
        EmbeddedChannel link = connection(NODE_C);
        link.writeInbound(forward());
        link.runPendingTasks();
        assertEquals(FrameType.CONNECTED, ((Frame) link.readOutbound()).type(), "the entry node enforces the per-identity limits");
    }
}
