package dev.beacon.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProtocolTest {

    private static int highestSupported() {
        return Collections.max(Protocol.SUPPORTED_VERSIONS);
    }

    @Test
    void supportedVersionsIncludeTheCurrentOne() {
        assertTrue(Protocol.SUPPORTED_VERSIONS.contains(Protocol.VERSION));
    }

    @Test
    void picksHighestCommonVersionFromVersionsArray() {
        List<Integer> offered = new ArrayList<>(Protocol.SUPPORTED_VERSIONS);
        offered.add(98);
        offered.add(99);
        offered.add(0, 0);
        Frame f = Frame.of(FrameType.CONNECT).put("versions", offered);
        assertEquals(highestSupported(), Protocol.negotiate(f));
    }

    @Test
    void orderOfOfferedVersionsDoesNotMatter() {
        List<Integer> offered = new ArrayList<>(List.of(99));
        offered.addAll(Protocol.SUPPORTED_VERSIONS);
        Collections.reverse(offered);
        assertEquals(highestSupported(), Protocol.negotiate(Frame.of(FrameType.REGISTER).put("versions", offered)));
    }

    @Test
    void everySupportedVersionAloneIsAccepted() {
        for (int v : Protocol.SUPPORTED_VERSIONS) {
            assertEquals(v, Protocol.negotiate(Frame.of(FrameType.CONNECT).put("versions", List.of(v))));
            assertEquals(v, Protocol.negotiate(Frame.of(FrameType.CONNECT).put("version", v)));
        }
    }

    @Test
    void singleVersionFieldIsAccepted() {
        assertEquals(Protocol.VERSION, Protocol.negotiate(Frame.of(FrameType.ATTACH).put("version", Protocol.VERSION)));
    }

    @Test
    void noCommonVersionIsUnsupportedVersion() {
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> Protocol.negotiate(Frame.of(FrameType.CONNECT).put("versions", List.of(99))));
        assertEquals(ErrorCode.UNSUPPORTED_VERSION, e.code);
        assertTrue(e.getMessage().contains("99"), "names what the client offered: " + e.getMessage());
        assertTrue(e.getMessage().contains(Protocol.SUPPORTED_VERSIONS.toString()), e.getMessage());
    }

    @Test
    void unsupportedSingleVersionIsUnsupportedVersion() {
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> Protocol.negotiate(Frame.of(FrameType.CONNECT).put("version", 99)));
        assertEquals(ErrorCode.UNSUPPORTED_VERSION, e.code);
    }

    @Test
    void missingOrEmptyOrNonNumericVersionsAreUnsupportedVersion() {
        for (Frame f : List.of(Frame.of(FrameType.CONNECT),
                Frame.of(FrameType.CONNECT).put("versions", List.of()),
                Frame.of(FrameType.CONNECT).put("version", "one"))) {
            ProtocolException e = assertThrows(ProtocolException.class, () -> Protocol.negotiate(f), f.toString());
            assertEquals(ErrorCode.UNSUPPORTED_VERSION, e.code);
            assertEquals(false, e.retryable());
        }
    }
}
