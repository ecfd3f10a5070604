package dev.beacon.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.tls.testing.Fuzz;
import dev.beacon.tls.testing.LeakCheck;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The frame codec and every payload record against what a peer can send: each message survives the wire unchanged;
 * any bytes, split anywhere, are frames or one ProtocolException; a declared length is never allocated before it is
 * checked against the limit; any JSON object is a message or a protocol_error naming the field.
 */
class FrameCodecProperties {
    static final int MAX = Protocol.DEFAULT_MAX_FRAME_BYTES;
    /** A parse may hold the largest frame a few times over (bytes, JSON tree); never what a hostile length declares. */
    static final long ALLOCATION_BOUND = 1024 * 1024;

    @BeforeContainer
    static void detectLeaks() {
        LeakCheck.install();
    }

    @AfterContainer
    static void noLeaks() {
        LeakCheck.assertNoLeaks(FrameCodecProperties.class.getSimpleName());
    }

    @Property
    void everyMessageReadsBackUnchangedFromTheWire(@ForAll("messages") Message m) throws Exception {
        byte[] wire = FrameCodec.encode(m.toFrame());
        Frame f = FrameCodec.read(new ByteArrayInputStream(wire), MAX);
        assertEquals(m, Message.from(f));
        assertEquals(List.of(f), decodeInChunks(wire, new int[] {1, 2, 3, 5, 7}).frames, "the Netty decoder, a byte or few at a time");
    }

    @Property
    void anyBytesAreFramesThenAtMostOneProtocolExceptionOrTheEnd(@ForAll("wireBytes") byte[] wire) {
        Fuzz.run(() -> readAll(wire)).refusedOnlyWith(ProtocolException.class).allocatedAtMost(ALLOCATION_BOUND + 16L * wire.length);
    }

    /** The Netty decoder and the blocking reader are two readers of one wire: whatever the chunks, the same frames. */
    @Property
    void theDecoderReadsWhatTheBlockingReaderReadsWhateverTheChunks(@ForAll("wireBytes") byte[] wire,
                                                                  @ForAll @IntRange(min = 1, max = 64) int chunk) {
        Decoded d = Fuzz.run(() -> decodeInChunks(wire, new int[] {chunk})).get();
        if (d.refusal != null) assertTrue(d.refusal instanceof ProtocolException, "only a ProtocolException: " + d.refusal);
        List<Frame> blocking = new ArrayList<>();
        try {
            InputStream in = new ByteArrayInputStream(wire);
            while (true) blocking.add(FrameCodec.read(in, MAX));
        } catch (ProtocolException | java.io.IOException e) {
            // the end, or the refusal: what came before it must agree
        }
        assertEquals(blocking, d.frames);
    }

    @Property
    void aDeclaredLengthBeyondTheLimitIsRefusedUnreadAndUnallocated(@ForAll("frameTypes") int type,
                                                                   @ForAll("hugeLengths") long declared) {
        byte[] head = {(byte) type, (byte) (declared >>> 24), (byte) (declared >>> 16), (byte) (declared >>> 8), (byte) declared, '{', '}'};
        Fuzz.Outcome<List<Frame>> o = Fuzz.run(() -> readAll(head)).allocatedAtMost(64 * 1024);
        assertTrue(o.thrown() instanceof ProtocolException p && p.code == ErrorCode.FRAME_TOO_LARGE, String.valueOf(o.thrown()));
        Decoded d = decodeInChunks(head, new int[] {3});
        // the decoder looks at the type byte first: an unknown type is refused as such, before its length
        ErrorCode expected = FrameType.of(type) == null ? ErrorCode.PROTOCOL_ERROR : ErrorCode.FRAME_TOO_LARGE;
        assertTrue(d.refusal instanceof ProtocolException p && p.code == expected, String.valueOf(d.refusal));
    }

    @Property
    void anyJsonObjectIsItsMessageOrAProtocolError(@ForAll("frames") Frame f) {
        Fuzz.run(() -> Message.from(FrameCodec.read(new ByteArrayInputStream(FrameCodec.encode(f)), MAX)))
                .refusedOnlyWith(ProtocolException.class);
        Fuzz.run(() -> Protocol.negotiate(f)).refusedOnlyWith(ProtocolException.class);
    }

    // ---- readers ----

    private static List<Frame> readAll(byte[] wire) throws Exception {
        List<Frame> out = new ArrayList<>();
        InputStream in = new ByteArrayInputStream(wire);
        try {
            while (true) out.add(FrameCodec.read(in, MAX));
        } catch (EOFException end) {
            return out;
        }
    }

    record Decoded(List<Frame> frames, Throwable refusal) {
    }

    private static Decoded decodeInChunks(byte[] wire, int[] sizes) {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameCodec.Decoder(MAX, Set.of()));
        List<Frame> frames = new ArrayList<>();
        Throwable refusal = null;
        try {
            int at = 0;
            for (int i = 0; at < wire.length; i++) {
                int n = Math.min(sizes[i % sizes.length], wire.length - at);
                try {
                    ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(wire, at, at + n)));
                } catch (DecoderException e) {
                    if (refusal == null) refusal = e.getCause();
                }
                at += n;
                for (Object o; (o = ch.readInbound()) != null; ) frames.add((Frame) o);
            }
        } finally {
            ch.finishAndReleaseAll();
        }
        return new Decoded(frames, refusal);
    }

    // ---- generators ----

    static Arbitrary<String> texts() {
        return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(40), Arbitraries.strings().alpha().numeric().withChars("-._").ofMaxLength(40),
                Arbitraries.strings().withCharRange('\0', '\u001f').ofMaxLength(4),
                Arbitraries.strings().withCharRange('\ud800', '\udfff').ofMaxLength(3));
    }

    static Arbitrary<List<Integer>> ints() {
        return Arbitraries.integers().list().ofMaxSize(4);
    }

    static Arbitrary<Offer> offers() {
        return Combinators.combine(ints().injectNull(0.3), Arbitraries.integers().injectNull(0.7)).as(Offer::new);
    }

    static Arbitrary<Members.Node> nodes() {
        return Combinators.combine(texts(), texts()).as(Members.Node::new);
    }

    @Provide
    Arbitrary<Message> messages() {
        Arbitrary<String> text = texts();
        Arbitrary<String> maybe = text.injectNull(0.3);
        Arbitrary<Long> longs = Arbitraries.longs();
        Arbitrary<Integer> anInt = Arbitraries.integers();
        return Arbitraries.oneOf(
                Combinators.combine(offers(), text.filter(s -> !s.isEmpty()), maybe).as(Connect::new),
                Combinators.combine(offers(), maybe, anInt.injectNull(0.5)).as(Register::new),
                Combinators.combine(offers(), maybe).as(Attach::new),
                Combinators.combine(offers(), text, text, text, text, maybe).as(Forward::new),
                Combinators.combine(anInt, text, text).as(Connected::new),
                Combinators.combine(anInt, text, anInt, longs, nodes().list().ofMaxSize(4)).as(Registered::new),
                Combinators.combine(text, anInt, text, text).as(Stream::new),
                longs.map(Want::new),
                Combinators.combine(longs, longs).as(Drain::new),
                nodes().list().ofMaxSize(5).map(Members::new),
                longs.injectNull(0.3).map(Ping::new),
                longs.map(Pong::new),
                Combinators.combine(text, text, Arbitraries.longs().between(0, Long.MAX_VALUE), ints().injectNull(0.5)).as(Refusal::new));
    }

    @Provide
    Arbitrary<Integer> frameTypes() {
        return Arbitraries.integers().between(0, 255);
    }

    @Provide
    Arbitrary<Long> hugeLengths() {
        return Arbitraries.longs().between(MAX + 1L, 0xFFFFFFFFL).edgeCases(c -> c.add(0xFFFFFFFFL, 0x80000000L, 0x7FFFFFFFL));
    }

    /** Valid frame sequences (of every message), mutated, and noise. */
    @Provide
    Arbitrary<byte[]> wireBytes() {
        Arbitrary<byte[]> valid = messages().list().ofMinSize(1).ofMaxSize(3).map(ms -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (Message m : ms) out.writeBytes(FrameCodec.encode(m.toFrame()));
            return out.toByteArray();
        });
        return Fuzz.nearly(valid);
    }

    /** Frames whose bodies have the fields the records read, with values of any JSON type, plus strangers. */
    @Provide
    Arbitrary<Frame> frames() {
        List<String> fields = List.of("versions", "version", "bridge", "tenant", "agent", "pool", "trust_domain", "wrapper", "source",
                "stream", "node", "heartbeat_ms", "nodes", "id", "relay", "count", "reconnect_in_ms", "try_for_ms", "seq", "code",
                "message", "retry_after_ms", "supported", "x");
        Arbitrary<JsonNode> value = jsonValues(2);
        Arbitrary<ObjectNode> body = Combinators.combine(Arbitraries.of(fields), value).as(java.util.Map::entry).list().ofMaxSize(8)
                .map(es -> {
                    ObjectNode o = JsonNodeFactory.instance.objectNode();
                    es.forEach(e -> o.set(e.getKey(), e.getValue()));
                    return o;
                });
        return Combinators.combine(Arbitraries.of(FrameType.class), body).as(Frame::new);
    }

    private static Arbitrary<JsonNode> jsonValues(int depth) {
        JsonNodeFactory j = JsonNodeFactory.instance;
        List<Arbitrary<JsonNode>> leaves = List.of(
                Arbitraries.just(j.nullNode()), Arbitraries.of(true, false).map(j::booleanNode),
                Arbitraries.longs().map(j::numberNode), Arbitraries.integers().map(j::numberNode),
                Arbitraries.doubles().map(j::numberNode), Arbitraries.bigIntegers().between(java.math.BigInteger.TEN.pow(19).negate(),
                        java.math.BigInteger.TEN.pow(30)).map(j::numberNode),
                texts().map(j::textNode));
        Arbitrary<JsonNode> leaf = Arbitraries.oneOf(leaves);
        if (depth == 0) return leaf;
        Arbitrary<JsonNode> array = jsonValues(depth - 1).list().ofMaxSize(4).map(l -> {
            ArrayNode a = j.arrayNode();
            l.forEach(a::add);
            return a;
        });
        Arbitrary<JsonNode> object = Combinators.combine(Arbitraries.of("id", "relay", "x"), jsonValues(depth - 1)).as(java.util.Map::entry)
                .list().ofMaxSize(3).map(es -> {
                    ObjectNode o = j.objectNode();
                    es.forEach(e -> o.set(e.getKey(), e.getValue()));
                    return o;
                });
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(5, leaf), net.jqwik.api.Tuple.of(2, array), net.jqwik.api.Tuple.of(1, object));
    }
}
