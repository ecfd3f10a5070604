package dev.beacon.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class FrameCodecTest {

    private static final int MAX = 1024;

    private EmbeddedChannel ch;

    @AfterEach
    void finish() {
        if (ch != null) {
            ch.finishAndReleaseAll();
            ch = null;
        }
    }

    private EmbeddedChannel channel(Set<FrameType> rawAfter) {
        ch = new EmbeddedChannel();
        ch.pipeline().addLast("frames", new FrameCodec.Decoder(MAX, rawAfter))
                .addLast("encoder", new FrameCodec.Encoder());
        return ch;
    }

    private static Frame sample(FrameType t) {
        Frame f = Frame.of(t).put("bridge", "acme-bridge").put("stream", 42).put("versions", List.of(1, 2))
                .put("note", "ünïcödé \"quoted\"");
        f.body().putObject("nested").put("k", "v");
        return f;
    }

    private static ByteBuf buf(byte[]... parts) {
        ByteBuf b = Unpooled.buffer();
        for (byte[] p : parts) b.writeBytes(p);
        return b;
    }

    /** Same type and same JSON (a long written as 42 reads back as an int 42; ObjectNode.equals would tell them apart). */
    private static void assertSameFrame(Frame expected, Object actual) {
        Frame a = assertInstanceOf(Frame.class, actual);
        assertEquals(expected.type(), a.type());
        assertEquals(expected.body().toString(), a.body().toString());
    }

    private static ProtocolException decodeFailure(EmbeddedChannel ch, ByteBuf in) {
        DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(in));
        return assertInstanceOf(ProtocolException.class, e.getCause());
    }

    @ParameterizedTest
    @EnumSource(FrameType.class)
    void everyFrameTypeRoundTripsThroughEncoderAndDecoderWithItsJsonFields(FrameType t) {
        EmbeddedChannel c = channel(Set.of());
        Frame sent = sample(t);
        assertTrue(c.writeOutbound(sent));
        ByteBuf wire = c.readOutbound();
        assertEquals(t.code, wire.getUnsignedByte(0), "type byte");
        assertEquals(wire.readableBytes() - Protocol.HEADER_BYTES, wire.getInt(1), "length field counts the payload only");
        assertTrue(c.writeInbound(wire));
        Frame got = c.readInbound();
        assertSameFrame(sent, got);
        assertEquals("acme-bridge", got.text("bridge"));
        assertEquals(42, got.number("stream", -1));
        assertEquals("ünïcödé \"quoted\"", got.text("note"));
        assertEquals("v", got.body().get("nested").get("k").asText());
        assertNull(c.readInbound());
    }

    @Test
    void severalFramesInOneBufferAllDecodeInOrder() {
        EmbeddedChannel c = channel(Set.of());
        byte[] a = FrameCodec.encode(Frame.of(FrameType.PING).put("n", 1));
        byte[] b = FrameCodec.encode(Frame.of(FrameType.PONG).put("n", 2));
        assertTrue(c.writeInbound(buf(a, b)));
        Frame f1 = c.readInbound();
        Frame f2 = c.readInbound();
        assertEquals(FrameType.PING, f1.type());
        assertEquals(1, f1.number("n", 0));
        assertEquals(FrameType.PONG, f2.type());
        assertEquals(2, f2.number("n", 0));
    }

    @Test
    void emptyPayloadDecodesAsEmptyObject() {
        EmbeddedChannel c = channel(Set.of());
        assertTrue(c.writeInbound(buf(FrameCodec.rawFrame(FrameType.PING.code, new byte[0]))));
        Frame f = c.readInbound();
        assertEquals(FrameType.PING, f.type());
        assertEquals(0, f.body().size());
    }

    @Test
    void frameSplitAcrossSeveralReadsDecodesOnceComplete() {
        EmbeddedChannel c = channel(Set.of());
        Frame sent = sample(FrameType.REGISTER);
        byte[] wire = FrameCodec.encode(sent);
        int[] cuts = {1, 3, Protocol.HEADER_BYTES + 2, wire.length - 1, wire.length};
        int from = 0;
        for (int i = 0; i < cuts.length; i++) {
            boolean produced = c.writeInbound(buf(Arrays.copyOfRange(wire, from, cuts[i])));
            from = cuts[i];
            if (i < cuts.length - 1) {
                assertFalse(produced, "nothing decoded after " + from + " of " + wire.length + " bytes");
                assertNull(c.readInbound());
            }
        }
        assertSameFrame(sent, c.readInbound());
        assertNull(c.readInbound());
    }

    @Test
    void frameOfExactlyMaxFrameBytesIsAccepted() {
        EmbeddedChannel c = channel(Set.of());
        StringBuilder s = new StringBuilder("{\"pad\":\"");
        while (s.length() < MAX - 2) s.append('x');
        s.append("\"}");
        byte[] payload = s.toString().getBytes(StandardCharsets.UTF_8);
        assertEquals(MAX, payload.length);
        assertTrue(c.writeInbound(buf(FrameCodec.rawFrame(FrameType.CONNECT.code, payload))));
        Frame f = c.readInbound();
        assertEquals(MAX - 10, f.text("pad").length());
    }

    @Test
    void lengthAboveMaxFrameBytesIsRefusedFromTheHeaderAlone() {
        EmbeddedChannel c = channel(Set.of());
        // Only the header: the decoder must not wait for (or buffer) the announced payload.
        ByteBuf header = Unpooled.buffer().writeByte(FrameType.CONNECT.code).writeInt(MAX + 1);
        ProtocolException e = decodeFailure(c, header);
        assertEquals(ErrorCode.FRAME_TOO_LARGE, e.code);
        assertTrue(e.getMessage().contains(String.valueOf(MAX + 1)), e.getMessage());
        assertNull(c.readInbound());
    }

    @Test
    void hugeUnsignedLengthIsFrameTooLargeNotNegative() {
        EmbeddedChannel c = channel(Set.of());
        ByteBuf header = Unpooled.buffer().writeByte(FrameType.CONNECT.code).writeInt(0xFFFFFFFF);
        assertEquals(ErrorCode.FRAME_TOO_LARGE, decodeFailure(c, header).code);
    }

    @Test
    void unknownTypeByteIsProtocolError() {
        EmbeddedChannel c = channel(Set.of());
        ProtocolException e = decodeFailure(c, buf(FrameCodec.rawFrame(0x55, "{}".getBytes(StandardCharsets.UTF_8))));
        assertEquals(ErrorCode.PROTOCOL_ERROR, e.code);
        assertTrue(e.getMessage().contains("0x55"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json", "{\"unterminated\": ", "[1,2,3]", "42", "\"a string\"", "null"})
    void payloadThatIsNotAJsonObjectIsProtocolError(String payload) {
        EmbeddedChannel c = channel(Set.of());
        ProtocolException e = decodeFailure(c, buf(FrameCodec.rawFrame(FrameType.CONNECT.code, payload.getBytes(StandardCharsets.UTF_8))));
        assertEquals(ErrorCode.PROTOCOL_ERROR, e.code);
        assertFalse(e.retryable());
    }

    @Test
    void afterRawAfterFrameDecoderStopsAndHandsOnTheFollowingBytesUnchangedWhenRemoved() {
        EmbeddedChannel c = channel(EnumSet.of(FrameType.CONNECT));
        assertTrue(c.config().isAutoRead());
        Frame connect = Frame.of(FrameType.CONNECT).put("bridge", "b1").put("versions", List.of(1));
        // Stream bytes right behind CONNECT, including bytes that look like a valid frame: they must not be decoded.
        byte[] tail1 = FrameCodec.encode(Frame.of(FrameType.PING));
        byte[] tail2 = "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        assertTrue(c.writeInbound(buf(FrameCodec.encode(connect), tail1)));
        assertSameFrame(connect, c.readInbound());
        assertNull(c.readInbound(), "bytes behind CONNECT are not decoded");
        assertFalse(c.config().isAutoRead(), "auto-read is off once the stream starts");

        // A read already in flight still lands in the decoder, and is kept.
        assertFalse(c.writeInbound(buf(tail2)));
        assertNull(c.readInbound());

        c.pipeline().remove("frames");
        ByteBuf raw = c.readInbound();
        try {
            byte[] expected = new byte[tail1.length + tail2.length];
            System.arraycopy(tail1, 0, expected, 0, tail1.length);
            System.arraycopy(tail2, 0, expected, tail1.length, tail2.length);
            assertArrayEquals(expected, ByteBufUtil.getBytes(raw));
        } finally {
            raw.release();
        }
        assertNull(c.readInbound());
    }

    @Test
    void removingDecoderFromTheFrameHandlerDeliversFrameThenTailBytes() {
        // The relay's pattern: the handler that gets CONNECT removes the decoder while the decoder is still running.
        ch = new EmbeddedChannel();
        ch.pipeline().addLast("frames", new FrameCodec.Decoder(MAX, EnumSet.of(FrameType.CONNECT)))
                .addLast("entry", new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ctx.fireChannelRead(msg);
                        if (msg instanceof Frame) ctx.pipeline().remove("frames");
                    }
                });
        byte[] tail = {0, 1, 2, (byte) 0xFF, 0x7F};
        ch.writeInbound(buf(FrameCodec.encode(Frame.of(FrameType.CONNECT).put("bridge", "b")), tail));
        Frame f = ch.readInbound();
        assertEquals(FrameType.CONNECT, f.type());
        ByteBuf raw = ch.readInbound();
        try {
            assertArrayEquals(tail, ByteBufUtil.getBytes(raw));
        } finally {
            raw.release();
        }
        assertNull(ch.pipeline().get("frames"));
    }

    @Test
    void framesNotInRawAfterKeepDecoding() {
        EmbeddedChannel c = channel(EnumSet.of(FrameType.CONNECT));
        assertTrue(c.writeInbound(buf(FrameCodec.encode(Frame.of(FrameType.PING)), FrameCodec.encode(Frame.of(FrameType.PONG)))));
        assertEquals(FrameType.PING, ((Frame) c.readInbound()).type());
        assertEquals(FrameType.PONG, ((Frame) c.readInbound()).type());
        assertTrue(c.config().isAutoRead());
    }

    // ---- blocking streams ----

    @Test
    void blockingWriteThenReadRoundTripsAndEndOfStreamIsEof() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Frame a = sample(FrameType.CONNECTED);
        Frame b = Frame.error(ErrorCode.OVERLOADED, "busy");
        FrameCodec.write(out, a);
        FrameCodec.write(out, b);
        assertArrayEquals(FrameCodec.encode(a), Arrays.copyOf(out.toByteArray(), FrameCodec.encode(a).length));
        ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
        assertSameFrame(a, FrameCodec.read(in, MAX));
        assertSameFrame(b, FrameCodec.read(in, MAX));
        assertThrows(EOFException.class, () -> FrameCodec.read(in, MAX));
    }

    @Test
    void blockingReadOfTruncatedFrameIsEof() {
        byte[] wire = FrameCodec.encode(sample(FrameType.STREAM));
        assertThrows(EOFException.class, () -> FrameCodec.read(new ByteArrayInputStream(Arrays.copyOf(wire, wire.length - 3)), MAX));
        assertThrows(EOFException.class, () -> FrameCodec.read(new ByteArrayInputStream(Arrays.copyOf(wire, 3)), MAX));
    }

    @Test
    void blockingReadRefusesOversizedFrame() {
        byte[] header = ByteBuffer.allocate(5).put((byte) FrameType.CONNECTED.code).putInt(MAX + 1).array();
        ProtocolException e = assertThrows(ProtocolException.class, () -> FrameCodec.read(new ByteArrayInputStream(header), MAX));
        assertEquals(ErrorCode.FRAME_TOO_LARGE, e.code);
    }

    @Test
    void blockingReadOfUnknownTypeOrBadJsonIsProtocolError() {
        byte[] unknown = FrameCodec.rawFrame(0x42, "{}".getBytes(StandardCharsets.UTF_8));
        assertEquals(ErrorCode.PROTOCOL_ERROR,
                assertThrows(ProtocolException.class, () -> FrameCodec.read(new ByteArrayInputStream(unknown), MAX)).code);
        byte[] bad = FrameCodec.rawFrame(FrameType.CONNECTED.code, "[]".getBytes(StandardCharsets.UTF_8));
        assertEquals(ErrorCode.PROTOCOL_ERROR,
                assertThrows(ProtocolException.class, () -> FrameCodec.read(new ByteArrayInputStream(bad), MAX)).code);
    }

    // ---- ERROR frames ----

    @Test
    void errorFrameCarriesCodeMessageAndRetryAfter() {
        ProtocolException e = new ProtocolException(ErrorCode.OVERLOADED, ErrorCode.OVERLOADED.wire(), "too many streams", 250);
        Frame f = Frame.error(e);
        assertEquals(FrameType.ERROR, f.type());
        assertEquals("overloaded", f.text("code"));
        assertEquals("too many streams", f.text("message"), "message without the code prefix");
        assertEquals(250, f.number("retry_after_ms", -1));
        assertFalse(f.body().has("supported"));

        ProtocolException back = f.toException();
        assertEquals(ErrorCode.OVERLOADED, back.code);
        assertEquals("overloaded", back.wireCode);
        assertEquals(250, back.retryAfterMs);
        assertTrue(back.retryable());
        assertEquals(e.getMessage(), back.getMessage());
    }

    @Test
    void errorFrameWithoutRetryHintHasNoRetryField() {
        Frame f = Frame.error(new ProtocolException(ErrorCode.FORBIDDEN, "wrong tenant"));
        assertEquals("forbidden", f.text("code"));
        assertEquals("wrong tenant", f.text("message"));
        assertFalse(f.body().has("retry_after_ms"));
        ProtocolException back = f.toException();
        assertEquals(ErrorCode.FORBIDDEN, back.code);
        assertEquals(0, back.retryAfterMs);
        assertFalse(back.retryable());
    }

    @Test
    void unsupportedVersionErrorListsSupportedVersions() {
        Frame f = Frame.error(new ProtocolException(ErrorCode.UNSUPPORTED_VERSION, "no common version"));
        assertEquals("unsupported_version", f.text("code"));
        JsonNode s = f.body().get("supported");
        assertTrue(s != null && s.isArray(), String.valueOf(f));
        assertEquals(Protocol.SUPPORTED_VERSIONS.size(), s.size());
        for (int i = 0; i < s.size(); i++) assertEquals(Protocol.SUPPORTED_VERSIONS.get(i), s.get(i).asInt());
        assertEquals(ErrorCode.UNSUPPORTED_VERSION, f.toException().code);
    }

    @ParameterizedTest
    @EnumSource(ErrorCode.class)
    void everyErrorCodeSurvivesTheWire(ErrorCode code) throws Exception {
        Frame f = Frame.error(new ProtocolException(code, code.wire(), "m", code.retryable ? 100 : 0));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameCodec.write(out, f);
        ProtocolException back = FrameCodec.read(new ByteArrayInputStream(out.toByteArray()), MAX).toException();
        assertEquals(code, back.code);
        assertEquals(code.retryable, back.retryable());
        assertEquals(code.retryable ? 100 : 0, back.retryAfterMs);
    }

    @Test
    void unknownWireCodeMapsToNullCodeAndIsNotRetryable() {
        Frame f = Frame.of(FrameType.ERROR).put("code", "quota_exceeded_v9").put("message", "from the future").put("retry_after_ms", 10);
        ProtocolException e = f.toException();
        assertNull(e.code);
        assertEquals("quota_exceeded_v9", e.wireCode);
        assertFalse(e.retryable());
        assertTrue(e.getMessage().contains("from the future"), e.getMessage());
    }

    @Test
    void errorFrameWithoutCodeOrMessageStillMapsToAnException() {
        ProtocolException e = Frame.of(FrameType.ERROR).toException();
        assertNull(e.code);
        assertEquals("unknown", e.wireCode);
        assertFalse(e.retryable());
    }
}
