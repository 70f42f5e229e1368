// Run by run-tests.sh with the built jar, the testing jar, JNA, SLF4J's System.Logger provider
// (slf4j-jdk-platform-logging) and Logback on the class path, as in an application that uses
// them: the library's events land in Logback, and Logback's level, changed at run time, decides
// what the library formats (within the second its level poller takes).
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.soterverify.ChallengeMismatchException;
import io.soterverify.Expectations;
import io.soterverify.PublicKey;
import io.soterverify.Soter;
import io.soterverify.testing.Device;
import io.soterverify.testing.SignedData;
import org.slf4j.LoggerFactory;

public class LogbackRouting {
    static void refuse(PublicKey key, SignedData s) throws Exception {
        try {
            Soter.authenticate(key, s.json(), s.signature(), Expectations.of("another challenge"));
            throw new AssertionError("accepted a result for another challenge");
        } catch (ChallengeMismatchException expected) {
            // a DEBUG event
        }
    }

    public static void main(String[] args) throws Exception {
        Logger logback = (Logger) LoggerFactory.getLogger("io.soterverify");
        logback.setLevel(Level.DEBUG);
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.start();
        logback.addAppender(seen);
        logback.setAdditive(false);
        String finder = System.getLogger("io.soterverify").getClass().getName();
        if (!finder.startsWith("org.slf4j")) {
            throw new AssertionError("System.Logger is not SLF4J's here: " + finder);
        }
        try (Device phone = Device.create(); PublicKey key = phone.publicKey()) {
            SignedData s = phone.signResult("c");
            refuse(key, s);
            if (seen.list.size() != 1 || seen.list.get(0).getLevel() != Level.DEBUG
                    || !seen.list.get(0).getFormattedMessage().contains("authenticate: refused (ChallengeMismatch)")) {
                throw new AssertionError("expected one DEBUG event in Logback, got " + seen.list);
            }
            System.out.println("Logback got: " + seen.list.get(0).getLevel() + " " + seen.list.get(0).getLoggerName()
                    + ": " + seen.list.get(0).getFormattedMessage());
            // Raised at run time: after the library's poller (1 s), DEBUG events are not formatted.
            logback.setLevel(Level.INFO);
            Thread.sleep(2000);
            refuse(key, s);
            if (seen.list.size() != 1) {
                throw new AssertionError("a DEBUG event reached Logback at INFO: " + seen.list);
            }
            logback.setLevel(Level.DEBUG);
            Thread.sleep(2000);
            refuse(key, s);
            if (seen.list.size() != 2) {
                throw new AssertionError("DEBUG events did not come back with the level: " + seen.list);
            }
        }
        System.out.println("Logback routing smoke test: events land in Logback; its level, changed at run time, is followed");
    }
}
