package dev.beacon.protocol;

import dev.beacon.tls.Identity;
import dev.beacon.tls.Role;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The check every client of a beacon makes after its TLS handshake: the server's certificate names a beacon node
 * ({@code spiffe://<domain>/node/<id>}), and the node it meant to reach when it knows which (docs/protocol.md section 1).
 */
public final class NodePeer {
    private NodePeer() {
    }

    /** The server's node identity; fails when it is no node, or not {@code expectedNode} (null: any node). */
    public static Identity check(SSLSession session, String expectedNode) throws SSLPeerUnverifiedException {
        Certificate[] certs = session.getPeerCertificates();
        Identity id = certs.length > 0 && certs[0] instanceof X509Certificate x ? Identity.of(x).orElse(null) : null;
        if (id == null || id.role() != Role.NODE) {
            throw new SSLPeerUnverifiedException("the server is " + (id == null ? "no spiffe:// identity" : id.uri())
                    + ", not a beacon node");
        }
        if (expectedNode != null && !expectedNode.equals(id.name())) {
            throw new SSLPeerUnverifiedException("the server is node " + id.name() + ", not node " + expectedNode);
        }
        return id;
    }

    /** {@link #check(SSLSession, String)} for a Netty channel whose handshake has completed. */
    public static Identity check(Channel ch, String expectedNode) throws SSLPeerUnverifiedException {
        return check(ch.pipeline().get(SslHandler.class).engine().getSession(), expectedNode);
    }
}
