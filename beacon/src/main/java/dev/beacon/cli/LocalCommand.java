package dev.beacon.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "local", mixinStandardHelpOptions = true, description = "placeholder")
final class LocalCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return 1;
    }
}
