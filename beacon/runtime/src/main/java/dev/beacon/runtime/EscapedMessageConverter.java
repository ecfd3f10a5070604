package dev.beacon.runtime;

import ch.qos.logback.classic.pattern.ClassicConverter;
import dev.beacon.log.Untrusted;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * {@code %safeMsg} in logback.xml: the formatted message with control characters escaped, so that no value a
 * peer chose (a frame field, a request path) can end our log line and start a forged one. The escaping at the
 * protocol edge ({@link Untrusted}) is the first line; this one holds for every message, including those nobody
 * thought to escape.
 */
public final class EscapedMessageConverter extends ClassicConverter {
    @Override
    public String convert(ILoggingEvent event) {
        // no length cap here: our own messages may be long; peer-chosen values are cut where they are logged
        return Untrusted.escape(event.getFormattedMessage(), Integer.MAX_VALUE);
    }
}
