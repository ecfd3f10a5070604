package dev.beacon.runtime;

import dev.beacon.protocol.Protocol;
import picocli.CommandLine;

public final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Version.class.getPackage().getImplementationVersion();
        return new String[] {"beacon " + (v == null ? "dev" : v) + ", wire protocol versions " + Protocol.SUPPORTED_VERSIONS};
    }
}
