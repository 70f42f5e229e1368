package io.soterverify;

import com.sun.jna.Platform;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Which of the jar's native libraries fits this JVM. The jar carries {@code <os>-<arch>/}
 * (JNA's resource prefixes: {@code linux-x86-64/}, {@code linux-aarch64/}) for glibc and
 * {@code <os>-<arch>-musl/} for musl (Alpine); the libc is detected at run time, since JNA's
 * prefix is the same for both and a glibc build does not load on musl (nor the reverse).
 */
final class NativePlatform {
    static final String FILE = "libsoter_verify.so";
    static final String GLIBC = "glibc";
    static final String MUSL = "musl";

    /** Probed only when the jar holding this class cannot be listed (neither a jar nor a directory). */
    private static final List<String> KNOWN_PREFIXES =
            List.of("linux-x86-64", "linux-aarch64", "linux-x86-64-musl", "linux-aarch64-musl");

    private NativePlatform() {}

    /**
     * A platform: {@code os} and {@code arch} as in JNA's resource prefix ("linux", "x86-64"),
     * {@code libc} "glibc" or "musl" on Linux, "" elsewhere.
     */
    record Target(String os, String arch, String libc) {
        /** The resource directory a library for this platform is bundled under. */
        String resourcePrefix() {
            return os + "-" + arch + (MUSL.equals(libc) ? "-musl" : "");
        }

        /** For people: "Linux aarch64 (musl)", "macOS aarch64". */
        String describe() {
            return osName(os) + " " + arch + (libc.isEmpty() ? "" : " (" + libc + ")");
        }
    }

    /** The platform from JNA's resource prefix ("linux-x86-64") and, on Linux, the libc. */
    static Target of(String jnaPrefix, String libc) {
        int dash = jnaPrefix.indexOf('-');
        String os = dash < 0 ? jnaPrefix : jnaPrefix.substring(0, dash);
        String arch = dash < 0 ? "" : jnaPrefix.substring(dash + 1);
        return new Target(os, arch, "linux".equals(os) ? libc : "");
    }

    /** This JVM's platform. */
    static Target current() {
        return of(Platform.RESOURCE_PREFIX, Platform.isLinux() ? detectLibc() : "");
    }

    /**
     * The resource prefix of the library for {@code target}, if {@code carried} has it. Exact
     * only: a glibc build on musl (or the reverse) fails to load or misbehaves.
     */
    static Optional<String> select(Target target, Predicate<String> carried) {
        String prefix = target.resourcePrefix();
        return carried.test(prefix) ? Optional.of(prefix) : Optional.empty();
    }

    static String resource(String prefix) {
        return prefix + "/" + FILE;
    }

    /** The platform a resource prefix stands for, for people: "Linux x86-64 (musl)". */
    static String describePrefix(String prefix) {
        boolean musl = prefix.endsWith("-musl");
        Target t = of(musl ? prefix.substring(0, prefix.length() - "-musl".length()) : prefix, musl ? MUSL : GLIBC);
        return t.describe();
    }

    /** The error when no bundled library fits: what was found, what the jar has, what to do. */
    static String noLibraryMessage(Target target, SortedSet<String> carried) {
        StringBuilder m = new StringBuilder("soter-verify: no native library in the soter-verify jar fits this platform, ")
                .append(target.describe()).append(" (os.name=").append(System.getProperty("os.name"))
                .append(", os.arch=").append(System.getProperty("os.arch")).append("). The jar carries: ");
        if (carried.isEmpty()) {
            m.append("none");
        } else {
            m.append(String.join(", ", carried.stream().map(p -> resource(p) + " (" + describePrefix(p) + ")").toList()));
        }
        m.append('.');
        if ("darwin".equals(target.os()) || "win32".equals(target.os())) {
            m.append(" soter-verify has no macOS or Windows build (none can be built and tested where it is "
                    + "released): run the service in a Linux container (e.g. Docker Desktop with "
                    + "eclipse-temurin:17 or eclipse-temurin:17-alpine; on Apple Silicon it runs Linux aarch64), "
                    + "which loads the library bundled in this jar.");
        } else if ("linux".equals(target.os())) {
            m.append(" The release jar carries Linux x86-64 and aarch64, each for glibc 2.17+ and musl; a jar "
                    + "built without -Dsoter.dist=true carries Linux x86-64 (glibc) only.");
        }
        m.append(" On another platform, build libsoter_verify from the soter-verify sources and start the JVM "
                + "with -Djna.library.path=DIR, the directory holding it.");
        return m.toString();
    }

    /**
     * The resource prefixes holding a library in the jar (or class-path directory) this class came
     * from: read from its entries, so the error names what this jar really carries.
     */
    static SortedSet<String> carried(ClassLoader loader) {
        SortedSet<String> found = new TreeSet<>();
        URL self = NativePlatform.class.getResource(NativePlatform.class.getSimpleName() + ".class");
        try {
            URLConnection c = self == null ? null : self.openConnection();
            if (c instanceof JarURLConnection jc) {
                jc.setUseCaches(false); // our own JarFile, closed below
                try (JarFile jar = jc.getJarFile()) {
                    jar.stream().forEach(e -> prefixOf(e.getName()).ifPresent(found::add));
                }
                return found;
            }
            if (self != null && "file".equals(self.getProtocol())) {
                // <root>/io/soterverify/NativePlatform.class
                Path root = Path.of(self.toURI()).getParent().getParent().getParent();
                try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
                    for (Path d : dirs) {
                        if (Files.isRegularFile(d.resolve(FILE))) {
                            found.add(d.getFileName().toString());
                        }
                    }
                }
                return found;
            }
        } catch (IOException | URISyntaxException | RuntimeException e) {
            found.clear(); // unlistable: probe below
        }
        for (String p : KNOWN_PREFIXES) {
            if (loader != null && loader.getResource(resource(p)) != null) {
                found.add(p);
            }
        }
        return found;
    }

    private static Optional<String> prefixOf(String entry) {
        int slash = entry.indexOf('/');
        return slash > 0 && entry.substring(slash + 1).equals(FILE) ? Optional.of(entry.substring(0, slash))
                : Optional.empty();
    }

    /**
     * The C library this process runs on: the loader mapped into it (robust under any launcher,
     * also under qemu-user), else the interpreter the java binary names; glibc when neither tells.
     */
    static String detectLibc() {
        try (BufferedReader maps = Files.newBufferedReader(Path.of("/proc/self/maps"), StandardCharsets.ISO_8859_1)) {
            String libc = libcFromMaps(maps.lines());
            if (libc != null) {
                return libc;
            }
        } catch (IOException | RuntimeException e) {
            // no /proc: ask the binary
        }
        try (InputStream in = Files.newInputStream(Path.of(System.getProperty("java.home"), "bin", "java"))) {
            String interp = elfInterpreter(in.readNBytes(64 * 1024));
            if (interp.contains("ld-musl")) {
                return MUSL;
            }
        } catch (IOException | RuntimeException e) {
            // unreadable: the common case below
        }
        return GLIBC;
    }

    /** "musl" or "glibc" from the lines of /proc/self/maps by the C library mapped; null if neither is. */
    static String libcFromMaps(Stream<String> lines) {
        boolean glibc = false;
        for (String line : (Iterable<String>) lines::iterator) {
            int slash = line.lastIndexOf('/');
            if (slash < 0) {
                continue;
            }
            String name = line.substring(slash + 1);
            // Alpine maps its loader as /lib/ld-musl-<arch>.so.1; Debian's and Void's musl as the
            // file that link points at, .../libc.so (glibc's libc.so is a linker script, never mapped).
            if (name.startsWith("ld-musl-") || name.startsWith("libc.musl-") || name.equals("libc.so")) {
                return MUSL;
            }
            if (name.startsWith("libc.so.6") || name.startsWith("ld-linux") || name.matches("libc-2\\.\\d+\\.so.*")) {
                glibc = true;
            }
        }
        return glibc ? GLIBC : null;
    }

    /** The PT_INTERP path of an ELF file given its first bytes, or "" (none, or not ELF). */
    static String elfInterpreter(byte[] elf) {
        if (elf.length < 52 || elf[0] != 0x7f || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F') {
            return "";
        }
        boolean is64 = elf[4] == 2;
        ByteBuffer b = ByteBuffer.wrap(elf).order(elf[5] == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        long phoff = is64 ? b.getLong(0x20) : Integer.toUnsignedLong(b.getInt(0x1c));
        int phentsize = Short.toUnsignedInt(b.getShort(is64 ? 0x36 : 0x2a));
        int phnum = Short.toUnsignedInt(b.getShort(is64 ? 0x38 : 0x2c));
        for (int i = 0; i < phnum; i++) {
            long ph = phoff + (long) i * phentsize;
            if (ph + (is64 ? 0x28 : 0x18) > elf.length) {
                break;
            }
            if (b.getInt((int) ph) == 3) { // PT_INTERP
                long off = is64 ? b.getLong((int) ph + 0x08) : Integer.toUnsignedLong(b.getInt((int) ph + 0x04));
                long size = is64 ? b.getLong((int) ph + 0x20) : Integer.toUnsignedLong(b.getInt((int) ph + 0x10));
                if (off < 0 || size <= 0 || off + size > elf.length) {
                    return "";
                }
                String s = new String(elf, (int) off, (int) size, StandardCharsets.ISO_8859_1);
                int nul = s.indexOf('\0');
                return nul < 0 ? s : s.substring(0, nul);
            }
        }
        return "";
    }

    private static String osName(String os) {
        return switch (os) {
            case "linux" -> "Linux";
            case "darwin" -> "macOS";
            case "win32" -> "Windows";
            case "freebsd" -> "FreeBSD";
            default -> os.isEmpty() ? "?" : os.substring(0, 1).toUpperCase(Locale.ROOT) + os.substring(1);
        };
    }
}
