package dev.beacon.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.protocol.ErrorCode;
import dev.beacon.protocol.Frame;
import dev.beacon.protocol.FrameType;
import dev.beacon.protocol.ProtocolException;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Pairing wrappers with a bridge's idle data connections, without sockets: every connection is an EmbeddedChannel. */
class RegistryTest {
    private static final int MAX_IDLE = 2;
    private static final int MAX_CONTROLS = 2;
    private static final long SETUP_MS = 5000;
    private static final Registry.Key VAULT = new Registry.Key("beacon.test", "acme", "vault");

    private final Registry registry = new Registry(MAX_IDLE, MAX_CONTROLS, SETUP_MS);
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void closeChannels() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    private EmbeddedChannel channel() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime(); // time moves only when a test advances it
        channels.add(ch);
        return ch;
    }

    /** A wrapper waiting for a data connection; remembers which callback ran. */
    private final class Wrapper {
        final EmbeddedChannel ch = channel();
        Channel data;
        ProtocolException failure;
        int callbacks;
        final Registry.Waiter waiter = new Registry.Waiter(ch, d -> {
            data = d;
            callbacks++;
        }, e -> {
            failure = e;
            callbacks++;
        });

        Wrapper claim() {
            registry.claim(VAULT, waiter);
            return this;
        }
    }

    private EmbeddedChannel registeredControl() {
        EmbeddedChannel c = channel();
        registry.register(VAULT, c, 1);
        return c;
    }

    private static int wantsOn(EmbeddedChannel control) {
        int n = 0;
        for (Object o; (o = control.readOutbound()) != null; ) {
            Frame f = (Frame) o;
            assertEquals(FrameType.WANT, f.type());
            assertEquals(1, f.number("count", -1), "WANT asks for one data connection per waiting wrapper");
            n++;
        }
        return n;
    }

    @Test
    void aWrapperIsPairedAtOnceWithAnIdleDataConnection() {
        EmbeddedChannel control = registeredControl();
        EmbeddedChannel data = channel();
        registry.attach(VAULT, data);

        Wrapper w = new Wrapper().claim();

        assertSame(data, w.data);
        assertNull(w.failure);
        assertEquals(0, registry.idleCount(), "the data connection left the pool");
        assertEquals(0, wantsOn(control), "no WANT while the pool had a connection");
    }

    @Test
    void aWrapperArrivingAtAnEmptyPoolSendsWantAndGetsTheNextDataConnection() {
        EmbeddedChannel control = registeredControl();

        Wrapper w = new Wrapper().claim();
        assertEquals(1, wantsOn(control), "the bridge is asked for one more data connection");
        assertNull(w.data, "still waiting");

        EmbeddedChannel data = channel();
        registry.attach(VAULT, data);
        assertSame(data, w.data);
        assertEquals(0, registry.idleCount(), "handed to the waiter, not pooled");
    }

    /** FM-19: after an unanswered stream the node drops the bridge's whole warm pool here; the bridge stays registered. */
    @Test
    void purgingClosesEveryIdleDataConnectionOfThatBridgeOnlyAndKeepsItRegistered() {
        registeredControl();
        EmbeddedChannel a = channel();
        EmbeddedChannel b = channel();
        registry.attach(VAULT, a);
        registry.attach(VAULT, b);

        assertEquals(2, registry.purgeIdle(VAULT));

        assertFalse(a.isOpen(), "closed");
        assertFalse(b.isOpen(), "closed");
        assertEquals(0, registry.idleCount());
        assertTrue(registry.has(VAULT), "the bridge is still registered: its live replicas refill the pool");
        assertEquals(0, registry.purgeIdle(new Registry.Key("beacon.test", "acme", "other")), "an unknown bridge has nothing to purge");
    }

    @Test
    void everyWaitingWrapperSendsItsOwnWant() {
        EmbeddedChannel control = registeredControl();
        new Wrapper().claim();
        new Wrapper().claim();
        new Wrapper().claim();
        assertEquals(3, wantsOn(control));
    }

    @Test
    void wantGoesToOneOfTheBridgesControlConnections() {
        EmbeddedChannel a = registeredControl();
        EmbeddedChannel b = registeredControl();
        for (int i = 0; i < 4; i++) new Wrapper().claim();
        int onA = wantsOn(a);
        int onB = wantsOn(b);
        assertEquals(4, onA + onB, "one WANT per waiting wrapper, on some control connection");
        assertTrue(onA > 0 && onB > 0, "spread over the replicas, so a stuck one does not swallow every WANT");
    }

    @Test
    void waitingWrappersAreServedInArrivalOrder() {
        registeredControl();
        Wrapper first = new Wrapper().claim();
        Wrapper second = new Wrapper().claim();
        Wrapper third = new Wrapper().claim();

        EmbeddedChannel d1 = channel();
        EmbeddedChannel d2 = channel();
        EmbeddedChannel d3 = channel();
        registry.attach(VAULT, d1);
        assertSame(d1, first.data);
        assertNull(second.data);
        registry.attach(VAULT, d2);
        registry.attach(VAULT, d3);

        assertSame(d2, second.data);
        assertSame(d3, third.data);
    }

    @Test
    void aWaiterThatHungUpIsSkippedAndTheDataConnectionGoesToTheNext() {
        registeredControl();
        Wrapper gone = new Wrapper().claim();
        Wrapper next = new Wrapper().claim();
        gone.ch.close();

        EmbeddedChannel data = channel();
        registry.attach(VAULT, data);

        assertSame(data, next.data);
        assertEquals(0, gone.callbacks);
    }

    @Test
    void aCancelledWaiterIsNotServed() {
        registeredControl();
        Wrapper cancelled = new Wrapper().claim();
        registry.cancel(VAULT, cancelled.waiter);

        registry.attach(VAULT, channel());

        assertEquals(0, cancelled.callbacks);
        assertEquals(1, registry.idleCount(), "the data connection waits in the pool instead");
    }

    @Test
    void aClosedIdleDataConnectionIsNeverHandedToAWrapper() {
        registeredControl();
        EmbeddedChannel dead = channel();
        EmbeddedChannel live = channel();
        registry.attach(VAULT, dead);
        registry.attach(VAULT, live);
        dead.close();

        Wrapper w = new Wrapper().claim();

        assertSame(live, w.data);
    }

    @Test
    void theIdlePoolIsCappedPerBridgeWithOverloaded() {
        registeredControl();
        for (int i = 0; i < MAX_IDLE; i++) registry.attach(VAULT, channel());

        ProtocolException e = assertThrows(ProtocolException.class, () -> registry.attach(VAULT, channel()));

        assertEquals(ErrorCode.OVERLOADED, e.code);
        assertEquals(1000, e.retryAfterMs);
        assertTrue(e.getMessage().contains(MAX_IDLE + " idle data connections"), e.getMessage());
        assertEquals(MAX_IDLE, registry.idleCount(), "the refused connection did not join the pool");
    }

    @Test
    void theIdlePoolCapIsPerBridge() {
        registeredControl();
        Registry.Key other = new Registry.Key("beacon.test", "acme", "other");
        registry.register(other, channel(), 1);
        for (int i = 0; i < MAX_IDLE; i++) registry.attach(VAULT, channel());

        registry.attach(other, channel());

        assertEquals(MAX_IDLE + 1, registry.idleCount());
    }

    @Test
    void aWaiterTimesOutWithOverloadedAfterTheStreamSetupTimeout() {
        registeredControl();
        Wrapper w = new Wrapper().claim();

        w.ch.advanceTimeBy(SETUP_MS - 1, TimeUnit.MILLISECONDS);
        w.ch.runScheduledPendingTasks();
        assertEquals(0, w.callbacks, "still waiting just before the setup timeout");

        w.ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        w.ch.runScheduledPendingTasks();
        assertEquals(ErrorCode.OVERLOADED, w.failure.code);
        assertEquals(1000, w.failure.retryAfterMs);
        assertTrue(w.failure.getMessage().contains("within " + SETUP_MS + " ms"), w.failure.getMessage());

        registry.attach(VAULT, channel());
        assertEquals(1, w.callbacks, "a data connection arriving later is not handed to the timed-out wrapper");
        assertEquals(1, registry.idleCount());
    }

    @Test
    void aServedWaiterDoesNotTimeOutLater() {
        registeredControl();
        Wrapper w = new Wrapper().claim();
        registry.attach(VAULT, channel());

        w.ch.advanceTimeBy(SETUP_MS * 2, TimeUnit.MILLISECONDS);
        w.ch.runScheduledPendingTasks();

        assertEquals(1, w.callbacks);
        assertNull(w.failure);
    }

    @Test
    void theLastControlConnectionClosingFailsWaitersWithUnknownBridge() {
        EmbeddedChannel a = registeredControl();
        EmbeddedChannel b = registeredControl();
        Wrapper w = new Wrapper().claim();

        assertFalse(registry.unregister(VAULT, a), "another control connection still holds the bridge");
        assertEquals(0, w.callbacks);
        assertTrue(registry.has(VAULT));

        assertTrue(registry.unregister(VAULT, b), "the last one takes the bridge away");
        assertEquals(ErrorCode.UNKNOWN_BRIDGE, w.failure.code);
        assertFalse(registry.has(VAULT));
    }

    @Test
    void theLastControlConnectionClosingClosesTheIdlePool() {
        EmbeddedChannel control = registeredControl();
        EmbeddedChannel data = channel();
        registry.attach(VAULT, data);

        registry.unregister(VAULT, control);

        assertFalse(data.isOpen());
        assertEquals(0, registry.idleCount());
    }

    @Test
    void controlConnectionsPerBridgeAreCapped() {
        EmbeddedChannel first = channel();
        assertTrue(registry.register(VAULT, first, 1), "the first control connection announces the bridge");
        assertFalse(registry.register(VAULT, channel(), 1), "a second one (a replica) does not");

        ProtocolException e = assertThrows(ProtocolException.class, () -> registry.register(VAULT, channel(), 1));

        assertEquals(ErrorCode.OVERLOADED, e.code);
        assertEquals(1000, e.retryAfterMs);
        assertTrue(e.getMessage().contains("limits.maxControlConnectionsPerBridge"), e.getMessage());
        assertEquals(MAX_CONTROLS, registry.controls().size(), "the registered ones are untouched");

        registry.unregister(VAULT, first);
        assertFalse(registry.register(VAULT, channel(), 1), "room again once one has closed");
    }

    @Test
    void aWrapperForABridgeNotConnectedHereGetsUnknownBridge() {
        ProtocolException e = assertThrows(ProtocolException.class, () -> new Wrapper().claim());
        assertEquals(ErrorCode.UNKNOWN_BRIDGE, e.code);
    }

    @Test
    void attachBeforeRegisterIsUnknownBridge() {
        ProtocolException e = assertThrows(ProtocolException.class, () -> registry.attach(VAULT, channel()));
        assertEquals(ErrorCode.UNKNOWN_BRIDGE, e.code);
        assertTrue(e.getMessage().contains("REGISTER before ATTACH"), e.getMessage());
    }

    @Test
    void bridgesOfTheSameNameInAnotherTrustDomainAreDifferentBridges() {
        registeredControl();
        Registry.Key sameNamesElsewhere = new Registry.Key("other.test", "acme", "vault");
        assertFalse(registry.has(sameNamesElsewhere));
    }
}
