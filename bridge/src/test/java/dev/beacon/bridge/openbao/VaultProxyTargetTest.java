package dev.beacon.bridge.openbao;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.config.ConfigException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the proxy accepts as a request target (the refusals are exercised end to end in OpenBaoProxyHostileTest). */
class VaultProxyTargetTest {
    @Test
    void legalVaultPathsAreAccepted() {
        for (String t : List.of("/v1/secret/data/app/config", "/v1/secret/data/app/config?version=2", "/v1/sys/health?standbyok=true&x=a/b?c",
                "/v1/secret/data/a@b", "/v1/secret/data/x:y", "/v1/secret/data/%E2%82%AC", "/v1/secret/data/.hidden",
                "/v1/secret/data/...", "/v1/secret/data/a?q=%0A", "/v1/auth/token/lookup-self")) {
            assertNull(VaultProxy.targetProblem(t), t);
        }
    }

    @Test
    void anythingElseIsNamed() {
        assertNotNull(VaultProxy.targetProblem("/v1/secret/..%2Fsys"));
        assertNotNull(VaultProxy.targetProblem("/v1/secret/data/a%"));
        assertNotNull(VaultProxy.targetProblem("/v1/secret/data/a b"));
        assertNotNull(VaultProxy.targetProblem("/v1/secret/data/a[0]"));
        assertNotNull(VaultProxy.targetProblem("/v1/secret/data/\u00e9"));
        String named = VaultProxy.targetProblem("/v1/a\nb");
        assertTrue(named.contains("\\n") && !named.contains("\n"), "the named character is escaped for logs: " + named);
    }

    @Test
    void theBodyBudgetCannotBeSmallerThanOneBody() {
        OpenBaoConfig c = new OpenBaoConfig();
        c.addresses = List.of("https://bao-0:8200");
        c.validate("openbao");
        c.maxBufferedBytes = c.maxBodyBytes - 1;
        ConfigException e = assertThrows(ConfigException.class, () -> c.validate("openbao"));
        assertTrue(e.getMessage().contains("openbao.maxBufferedBytes"), e.getMessage());
    }
}
