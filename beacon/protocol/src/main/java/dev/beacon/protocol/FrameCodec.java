package dev.beacon.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.MessageToByteEncoder;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;

/** Encodes and decodes frames, for Netty pipelines and for blocking streams. */
public final class FrameCodec {

    private FrameCodec() {
    }

    public static byte[] encode(Frame f) {
        try {
            byte[] json = Protocol.JSON.writeValueAsBytes(f.body());
            ByteBuffer b = ByteBuffer.allocate(Protocol.HEADER_BYTES + json.length);
            b.put((byte) f.type().code).putInt(json.length).put(json);
            return b.array();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Frame decode(int type, byte[] payload) {
        FrameType t = FrameType.of(type);
        if (t == null) throw new ProtocolException(ErrorCode.PROTOCOL_ERROR, "unknown frame type 0x" + Integer.toHexString(type));
        try {
            JsonNode n = payload.length == 0 ? Protocol.JSON.createObjectNode() : Protocol.JSON.readTree(payload);
            if (!(n instanceof ObjectNode o)) throw new ProtocolException(ErrorCode.PROTOCOL_ERROR, t + " payload is not a JSON object");
            return new Frame(t, o);
        } catch (IOException e) {
            throw new ProtocolException(ErrorCode.PROTOCOL_ERROR, t + " payload is not valid JSON");
        }
    }

    /** Blocking read of one frame; EOFException when the peer closed first. */
    public static Frame read(InputStream in, int maxFrameBytes) throws IOException {
        DataInputStream d = new DataInputStream(in);
        int type = d.read();
        if (type < 0) throw new EOFException("connection closed by the beacon before a frame arrived");
        long len = Integer.toUnsignedLong(d.readInt());
        if (len > maxFrameBytes) throw new ProtocolException(ErrorCode.FRAME_TOO_LARGE, "frame of " + len + " bytes");
        byte[] payload = new byte[(int) len];
        d.readFully(payload);
        return decode(type, payload);
    }

    public static void write(OutputStream out, Frame f) throws IOException {
        out.write(encode(f));
        out.flush();
    }

    /**
     * Netty decoder. After a frame whose type is in {@code rawAfter} it stops decoding and turns auto-read off:
     * the bytes behind it belong to the stream, and are handed on unchanged when this handler is removed.
     */
    public static final class Decoder extends ByteToMessageDecoder {
        private final int maxFrameBytes;
        private final Set<FrameType> rawAfter;
        private boolean raw;
        private boolean failed;

        public Decoder(int maxFrameBytes, Set<FrameType> rawAfter) {
            this.maxFrameBytes = maxFrameBytes;
            this.rawAfter = rawAfter;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            if (failed) {
                in.skipBytes(in.readableBytes()); // after a refusal nothing more is parsed: one ERROR, then close
                return;
            }
            if (raw || in.readableBytes() < Protocol.HEADER_BYTES) return;
            int start = in.readerIndex();
            int type = in.getUnsignedByte(start);
            long len = in.getUnsignedInt(start + 1);
            if (FrameType.of(type) == null) {
                failed = true;
                in.skipBytes(in.readableBytes());
                throw new ProtocolException(ErrorCode.PROTOCOL_ERROR, "unknown frame type 0x" + Integer.toHexString(type));
            }
            if (len > maxFrameBytes) {
                failed = true;
                in.skipBytes(in.readableBytes());
                throw new ProtocolException(ErrorCode.FRAME_TOO_LARGE,
                        "frame of " + len + " bytes; this node accepts at most " + maxFrameBytes);
            }
            if (in.readableBytes() < Protocol.HEADER_BYTES + len) return;
            in.skipBytes(Protocol.HEADER_BYTES);
            byte[] payload = new byte[(int) len];
            in.readBytes(payload);
            Frame f;
            try {
                f = FrameCodec.decode(type, payload);
            } catch (ProtocolException e) {
                failed = true;
                throw e;
            }
            if (rawAfter.contains(f.type())) {
                raw = true;
                ctx.channel().config().setAutoRead(false);
            }
            out.add(f);
        }

        @Override
        protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            if (!raw) decode(ctx, in, out);
        }
    }

    public static final class Encoder extends MessageToByteEncoder<Frame> {
        @Override
        protected void encode(ChannelHandlerContext ctx, Frame f, ByteBuf out) {
            out.writeBytes(FrameCodec.encode(f));
        }
    }

    /** For tests and tools: a frame whose payload does not have to be valid. */
    public static byte[] rawFrame(int type, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(Protocol.HEADER_BYTES + payload.length);
        b.put((byte) type).putInt(payload.length).put(payload);
        return b.array();
    }

}
