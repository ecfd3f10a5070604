package dev.beacon.tls.testing;

import dev.beacon.tls.JdkTls;
import dev.beacon.tls.TlsMaterial;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509KeyManager;

/** TLS clients that behave as an attacker's would, not as a polite JDK client does. */
public final class Clients {
    private Clients() {
    }

    /**
     * A JDK client that presents {@code m}'s certificate even when the server's CertificateRequest names other CAs
     * (the JDK would otherwise send none; curl, Go and attackers send theirs anyway). Trusts {@code m}'s CA bundle.
     */
    public static SSLContext alwaysPresenting(TlsMaterial m) throws Exception {
        X509KeyManager km = new X509KeyManager() {
            public String[] getClientAliases(String t, Principal[] i) { return new String[] {"k"}; }
            public String chooseClientAlias(String[] t, Principal[] i, Socket s) { return "k"; }
            public String[] getServerAliases(String t, Principal[] i) { return null; }
            public String chooseServerAlias(String t, Principal[] i, Socket s) { return null; }
            public X509Certificate[] getCertificateChain(String a) { return m.chain().toArray(X509Certificate[]::new); }
            public PrivateKey getPrivateKey(String a) { return m.key(); }
        };
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(new KeyManager[] {km}, JdkTls.trust(m.trust()).getTrustManagers(), null);
        return ctx;
    }
}
