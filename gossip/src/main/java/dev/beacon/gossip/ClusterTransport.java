package dev.beacon.gossip;

import io.atomix.cluster.AtomixCluster;
import io.atomix.cluster.ClusterConfig;
import io.atomix.cluster.messaging.BroadcastService;
import io.atomix.cluster.messaging.ManagedBroadcastService;
import io.atomix.cluster.messaging.ManagedUnicastService;
import io.atomix.cluster.messaging.MessagingService;
import io.atomix.cluster.messaging.UnicastService;
import io.atomix.cluster.messaging.impl.NettyMessagingService;
import io.atomix.utils.net.Address;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Atomix with every byte on the mTLS messaging port. Stock Atomix sends SWIM membership gossip (and "unreliable"
 * messages) as plaintext, unauthenticated UDP datagrams decoded with Kryo: anyone who can reach the port could add
 * members or declare live ones dead. Here that "unicast" rides the TLS messaging connections instead (a subject
 * prefix keeps it apart), no UDP socket is opened, and multicast is off.
 */
final class ClusterTransport extends AtomixCluster {

    /** The messaging port, for {@link ClusterPortGuard}. */
    final NettyMessagingService messaging;

    private ClusterTransport(ClusterConfig config, NettyMessagingService messaging) {
        super(config, null, messaging, new TlsUnicast(messaging), new NoBroadcast());
        this.messaging = messaging;
    }

    static ClusterTransport create(ClusterConfig config) {
        return new ClusterTransport(config, new NettyMessagingService(
                config.getClusterId(), config.getNodeConfig().getAddress(), config.getMessagingConfig()));
    }

    /** Fire-and-forget messages over the authenticated messaging connections. */
    static final class TlsUnicast implements ManagedUnicastService {
        static final String PREFIX = "beacon-unicast:";

        private final MessagingService messaging;
        private final Map<String, Map<BiConsumer<Address, byte[]>, Executor>> listeners = new ConcurrentHashMap<>();
        private final AtomicBoolean running = new AtomicBoolean();

        TlsUnicast(MessagingService messaging) {
            this.messaging = messaging;
        }

        @Override
        public void unicast(Address address, String subject, byte[] message) {
            if (!running.get()) return;
            // unreliable by contract: a failed send is what SWIM's probes are there to notice
            messaging.sendAsync(address, PREFIX + subject, message).exceptionally(e -> null);
        }

        @Override
        public synchronized void addListener(String subject, BiConsumer<Address, byte[]> listener, Executor executor) {
            Map<BiConsumer<Address, byte[]>, Executor> forSubject = listeners.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
            if (forSubject.isEmpty()) {
                messaging.registerHandler(PREFIX + subject, (BiConsumer<Address, byte[]>) (from, bytes) -> dispatch(subject, from, bytes), Runnable::run);
            }
            forSubject.put(listener, executor);
        }

        private void dispatch(String subject, Address from, byte[] bytes) {
            Map<BiConsumer<Address, byte[]>, Executor> forSubject = listeners.get(subject);
            if (forSubject == null) return;
            forSubject.forEach((l, ex) -> ex.execute(() -> l.accept(from, bytes)));
        }

        @Override
        public synchronized void removeListener(String subject, BiConsumer<Address, byte[]> listener) {
            Map<BiConsumer<Address, byte[]>, Executor> forSubject = listeners.get(subject);
            if (forSubject == null) return;
            forSubject.remove(listener);
            if (forSubject.isEmpty()) {
                listeners.remove(subject);
                messaging.unregisterHandler(PREFIX + subject);
            }
        }

        @Override
        public CompletableFuture<UnicastService> start() {
            running.set(true);
            return CompletableFuture.completedFuture(this);
        }

        @Override
        public boolean isRunning() {
            return running.get();
        }

        @Override
        public CompletableFuture<Void> stop() {
            running.set(false);
            return CompletableFuture.completedFuture(null);
        }
    }

    /** Multicast stays off: discovery is static peers and DNS. */
    static final class NoBroadcast implements ManagedBroadcastService {
        private final AtomicBoolean running = new AtomicBoolean();

        @Override
        public void broadcast(String subject, byte[] message) {
        }

        @Override
        public void addListener(String subject, Consumer<byte[]> listener) {
        }

        @Override
        public void removeListener(String subject, Consumer<byte[]> listener) {
        }

        @Override
        public CompletableFuture<BroadcastService> start() {
            running.set(true);
            return CompletableFuture.completedFuture(this);
        }

        @Override
        public boolean isRunning() {
            return running.get();
        }

        @Override
        public CompletableFuture<Void> stop() {
            running.set(false);
            return CompletableFuture.completedFuture(null);
        }
    }
}
