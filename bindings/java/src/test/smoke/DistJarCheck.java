// Checks the native libraries a core jar bundles, from their ELF bytes (no readelf needed):
//   java DistJarCheck.java JAR            every bundled library is for the platform of its directory
//   java DistJarCheck.java JAR --release  and the jar has all four Linux targets (make dist's jar)
// Per library: 64-bit little-endian ELF, e_machine 62 (x86-64) or 183 (aarch64) as its directory
// says; the glibc builds need libc.so.6 and no symbol version above GLIBC_2.17; the musl builds need
// musl's libc (the name ld-musl serves itself under) and nothing of glibc.
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class DistJarCheck {
    static final String FILE = "libsoter_verify.so";
    static final Map<String, Integer> MACHINE = Map.of("linux-x86-64", 62, "linux-aarch64", 183,
            "linux-x86-64-musl", 62, "linux-aarch64-musl", 183);

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            throw new IllegalArgumentException("usage: java DistJarCheck.java JAR [--release]");
        }
        boolean release = args.length > 1 && args[1].equals("--release");
        List<String> problems = new ArrayList<>();
        Map<String, String> seen = new TreeMap<>();
        try (JarFile jar = new JarFile(args[0])) {
            for (JarEntry e : (Iterable<JarEntry>) jar.stream()::iterator) {
                String name = e.getName();
                if (!name.endsWith("/" + FILE)) {
                    continue;
                }
                String prefix = name.substring(0, name.length() - FILE.length() - 1);
                byte[] elf;
                try (InputStream in = jar.getInputStream(e)) {
                    elf = in.readAllBytes();
                }
                seen.put(prefix, check(prefix, elf, problems));
            }
        }
        if (release) {
            for (String want : MACHINE.keySet()) {
                if (!seen.containsKey(want)) {
                    problems.add(args[0] + " lacks " + want + "/" + FILE + " (the release jar carries all four targets)");
                }
            }
        }
        seen.forEach((p, what) -> System.out.println("  " + p + "/" + FILE + ": " + what));
        if (!problems.isEmpty()) {
            problems.forEach(p -> System.err.println("DistJarCheck: " + p));
            System.exit(1);
        }
        System.out.println("DistJarCheck: " + args[0] + ": " + (seen.size() == 1 ? "its native library is"
                : "its " + seen.size() + " native libraries are each") + " for the platform of its directory");
    }

    static String check(String prefix, byte[] elf, List<String> problems) {
        Integer want = MACHINE.get(prefix);
        if (want == null) {
            problems.add(prefix + "/" + FILE + ": unexpected directory (known: " + new TreeMap<>(MACHINE).keySet() + ")");
            return "?";
        }
        if (elf.length < 64 || elf[0] != 0x7f || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F' || elf[4] != 2
                || elf[5] != 1) {
            problems.add(prefix + ": not a 64-bit little-endian ELF file");
            return "not ELF64 LE";
        }
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        int machine = Short.toUnsignedInt(b.getShort(18));
        int type = Short.toUnsignedInt(b.getShort(16));
        if (machine != want) {
            problems.add(prefix + ": e_machine " + machine + ", want " + want);
        }
        if (type != 3) {
            problems.add(prefix + ": e_type " + type + ", want 3 (shared object)");
        }
        List<String> needed = needed(b);
        String text = new String(elf, StandardCharsets.ISO_8859_1);
        String libc;
        if (prefix.endsWith("-musl")) {
            boolean muslLibc = needed.stream().anyMatch(n -> n.equals("libc.so") || n.startsWith("libc.musl-"));
            if (!muslLibc) {
                problems.add(prefix + ": needs " + needed + ", no musl libc (libc.so)");
            }
            if (needed.contains("libc.so.6") || text.contains("GLIBC_")) {
                problems.add(prefix + ": needs glibc (" + needed + ")");
            }
            libc = "musl";
        } else {
            if (!needed.contains("libc.so.6")) {
                problems.add(prefix + ": needs " + needed + ", not glibc's libc.so.6");
            }
            Matcher m = Pattern.compile("GLIBC_2\\.(\\d+)").matcher(text);
            int max = 0;
            while (m.find()) {
                max = Math.max(max, Integer.parseInt(m.group(1)));
            }
            if (max > 17) {
                problems.add(prefix + ": needs GLIBC_2." + max + " (> 2.17)");
            }
            libc = "glibc, symbol versions <= 2." + max;
        }
        return "ELF64 " + (machine == 62 ? "x86-64" : machine == 183 ? "aarch64" : "machine " + machine)
                + " (e_machine " + machine + "), " + libc + ", NEEDED " + needed;
    }

    /** DT_NEEDED names, from the SHT_DYNAMIC section and its string table. */
    static List<String> needed(ByteBuffer b) {
        List<String> out = new ArrayList<>();
        long shoff = b.getLong(0x28);
        int shentsize = Short.toUnsignedInt(b.getShort(0x3a));
        int shnum = Short.toUnsignedInt(b.getShort(0x3c));
        for (int i = 0; i < shnum; i++) {
            int sh = (int) (shoff + (long) i * shentsize);
            if (b.getInt(sh + 4) != 6) { // SHT_DYNAMIC
                continue;
            }
            long off = b.getLong(sh + 0x18);
            long size = b.getLong(sh + 0x20);
            int link = b.getInt(sh + 0x28);
            int str = (int) (shoff + (long) link * shentsize);
            long strOff = b.getLong(str + 0x18);
            for (long d = off; d + 16 <= off + size; d += 16) {
                long tag = b.getLong((int) d);
                if (tag == 0) {
                    break;
                }
                if (tag == 1) { // DT_NEEDED
                    int p = (int) (strOff + b.getLong((int) d + 8));
                    int end = p;
                    while (b.get(end) != 0) {
                        end++;
                    }
                    byte[] s = new byte[end - p];
                    b.get(p, s);
                    out.add(new String(s, StandardCharsets.ISO_8859_1));
                }
            }
        }
        return out;
    }
}
