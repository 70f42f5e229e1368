package io.soterverify;

import com.sun.jna.Callback;
import com.sun.jna.CallbackReference;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;

/**
 * The library's log events on the {@link System.Logger} named {@code io.soterverify}: by default
 * java.util.logging; SLF4J/Logback where the application routes {@code System.Logger} there
 * (SLF4J's {@code slf4j-jdk-platform-logging}, or a JUL bridge such as Spring Boot's).
 *
 * <p>Installed when the native library loads. The library formats an event only when the logger
 * would emit it: its level is set to the most verbose {@code System.Logger.Level} the logger is
 * loggable at, re-checked once a second by a daemon thread (so a level changed at run time takes
 * effect within a second) and whenever an event arrives that the logger no longer wants. Events
 * are delivered on the thread where they happen (the Java thread inside the library call). The
 * callback is removed by a shutdown hook; it never lets a throwable reach native code.
 */
final class NativeLog {
    static final String NAME = "io.soterverify";
    static final System.Logger LOGGER = System.getLogger(NAME);
    /** How often the logger's level is re-read, in milliseconds. */
    static final long POLL_MS = 1000;

    /** SOTER_LOG_ERROR (1) .. SOTER_LOG_TRACE (5). */
    private static final Level[] LEVELS = {Level.OFF, Level.ERROR, Level.WARNING, Level.INFO, Level.DEBUG, Level.TRACE};

    /** {@code SoterLogCallback}: size_t as long. */
    interface LogCallback extends Callback {
        void invoke(Pointer userData, int level, Pointer message, long length);
    }

    /** Strongly held for the JVM's lifetime: JNA's trampoline lives as long as this object. */
    private static final LogCallback CALLBACK = NativeLog::deliver;

    private static volatile boolean installed;

    static {
    }

    private NativeLog() {}


    /** Routes the library's events to {@link #LOGGER}; called once, when the library loads. */
    static synchronized void install() {
        if (installed) {
            return;
        }
        if (SoterFfi.soter_set_log_callback(CallbackReference.getFunctionPointer(CALLBACK), null, wanted(), null) != 0) {
            return;
        }
        installed = true;
        Runtime.getRuntime().addShutdownHook(new Thread(NativeLog::uninstall, "soter-verify-log-shutdown"));
        Thread poll = new Thread(NativeLog::poll, "soter-verify-log-level");
        poll.setDaemon(true);
        poll.start();
    }

    /** The most verbose library level (0 = none) the logger is loggable at now. */
    static int wanted() {
        for (int n = LEVELS.length - 1; n >= 1; n--) {
            if (LOGGER.isLoggable(LEVELS[n])) {
                return n;
            }
        }
        return 0;
    }

    /** Sets the library's level to the logger's now (never waits: safe anywhere). */
    static void sync() {
        if (installed) {
            SoterFfi.soter_set_log_level(wanted(), null);
        }
    }

    /** The library's current level (0 = off). */
    static int nativeLevel() {
        return SoterFfi.soter_log_level();
    }

    private static void poll() {
        while (installed) {
            try {
                Thread.sleep(POLL_MS);
                sync();
            } catch (InterruptedException e) {
                return;
            } catch (Throwable t) {
                // a logging backend failing to answer isLoggable: try again next time
            }
        }
    }

    /** Removes the callback; when this returns no delivery runs or will run. */
    private static synchronized void uninstall() {
        if (installed) {
            installed = false;
            SoterFfi.soter_set_log_callback(null, null, 0, null);
        }
    }

    private static void deliver(Pointer userData, int level, Pointer message, long length) {
        try {
            if (level < 1 || level >= LEVELS.length || length < 0 || length > Integer.MAX_VALUE) {
                return;
            }
            Level l = LEVELS[level];
            if (LOGGER.isLoggable(l)) {
                LOGGER.log(l, new String(message.getByteArray(0, (int) length), StandardCharsets.UTF_8));
            } else {
                sync(); // the logger's level went up since: catch up now
            }
        } catch (Throwable t) {
            // a log line is never worth an exception in native code
        }
    }
}
