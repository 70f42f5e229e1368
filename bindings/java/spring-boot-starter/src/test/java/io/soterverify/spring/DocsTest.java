package io.soterverify.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.soterverify.PublicKey;
import io.soterverify.ReplayGuard;
import io.soterverify.Soter;
import io.soterverify.WeChatClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ByteArrayResource;
import org.yaml.snakeyaml.Yaml;

/**
 * The README says what the code does: its sample controllers are the compiled ones (SoterController
 * in the Java README too, the Java material's one home), its application.yml starts the starter, it
 * documents every property the metadata lists; the metadata is generated; the version is the core's.
 */
class DocsTest {
    private static final Path DIR = Path.of(System.getProperty("soter.starter.dir", "."));

    private static String readme() throws IOException {
        return Files.readString(DIR.resolve("README.md"));
    }

    private static List<String> blocks(String language) throws IOException {
        return blocks(readme(), language);
    }

    private static List<String> blocks(String text, String language) {
        List<String> found = new ArrayList<>();
        Matcher m = Pattern.compile("(?ms)^```" + language + "\\n(.*?)^```$").matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    @Test
    void readmeControllersAreTheCompiledOnes() throws IOException {
        List<String> java = blocks("java");
        for (String name : List.of("SoterController", "MiniProgramLogin", "ReactiveLogin")) {
            String source = Files.readString(DIR.resolve("src/test/java/com/example/soter/" + name + ".java"));
            assertTrue(java.contains(source), "README.md does not show " + name + ".java exactly as compiled");
        }
    }

    /**
     * The Java README shows the same SoterController, MiniProgramLogin and ReactiveLogin classes
     * (its blocks add the imports and the configuration for an application without the starter).
     */
    @Test
    void javaReadmeShowsTheCompiledControllers() throws IOException {
        Path java = DIR.resolve("../README.md");
        String text = Files.readString(java);
        for (String name : List.of("SoterController", "MiniProgramLogin", "ReactiveLogin")) {
            String source = Files.readString(DIR.resolve("src/test/java/com/example/soter/" + name + ".java"));
            String controller = source.substring(source.indexOf("@RestController"));
            assertTrue(blocks(text, "java").stream().anyMatch(b -> b.endsWith(controller)),
                    java + " does not show " + name + " as compiled (" + DIR.resolve("README.md") + ")");
        }
    }

    @SuppressWarnings("unchecked")
    private static Set<String> metadataProperties() throws IOException {
        try (InputStream in = DocsTest.class.getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertTrue(in != null, "spring-configuration-metadata.json was not generated");
            // JSON is YAML, but for the escape \/ (which the processor writes for "/"): SnakeYAML,
            // Spring Boot's own dependency, reads it once that is undone.
            String json = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\\/", "/");
            Map<String, Object> metadata = new Yaml().load(json);
            Set<String> names = new TreeSet<>();
            for (Object p : (List<Object>) metadata.get("properties")) {
                Map<String, Object> property = (Map<String, Object>) p;
                String name = (String) property.get("name");
                assertTrue(property.get("description") instanceof String d && !d.isBlank(),
                        name + " has no description in the metadata");
                names.add(name);
            }
            List<Object> hints = (List<Object>) metadata.get("hints");
            assertTrue(hints.toString().contains("cloud-open-api"), "the token-source hints are missing");
            return names;
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void tokenRetryMaxHasItsDefaultInTheMetadata() throws IOException {
        try (InputStream in = DocsTest.class.getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            String json = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\\/", "/");
            Map<String, Object> metadata = new Yaml().load(json);
            Object found = null;
            for (Object p : (List<Object>) metadata.get("properties")) {
                Map<String, Object> property = (Map<String, Object>) p;
                if ("soter.wechat.token-retry-max".equals(property.get("name"))) {
                    found = property.get("defaultValue");
                }
            }
            assertEquals("30s", found, "soter.wechat.token-retry-max's defaultValue");
        }
    }

    @Test
    void metadataHasTheContractedPropertiesAndTheReadmeDocumentsAll() throws IOException {
        Set<String> names = metadataProperties();
        for (String contracted : List.of("soter.wechat.app-id", "soter.wechat.app-secret", "soter.wechat.token-source",
                "soter.wechat.base-url", "soter.wechat.timeout", "soter.wechat.connect-timeout", "soter.wechat.proxy",
                "soter.wechat.max-attempts", "soter.wechat.backoff-base", "soter.wechat.backoff-max",
                "soter.wechat.max-response-size", "soter.wechat.refresh-margin", "soter.wechat.allow-insecure-http",
                "soter.wechat.token-retry-max",
                "soter.replay.redis-url", "soter.replay.redis-cluster-nodes", "soter.replay.prefix",
                "soter.replay.timeout", "soter.ask-pem")) {
            assertTrue(names.contains(contracted), contracted + " is not in the metadata");
        }
        String readme = readme();
        for (String name : names) {
            assertTrue(readme.contains("| `" + name + "` |"), "README.md's property table lacks " + name);
        }
    }

    /** The properties of a YAML block as name=value, each checked against the metadata. */
    private static List<String> yamlProperties(String where, String yaml) throws IOException {
        List<PropertySource<?>> sources = new YamlPropertySourceLoader().load(where,
                new ByteArrayResource(yaml.getBytes(StandardCharsets.UTF_8)));
        Set<String> known = metadataProperties();
        List<String> pairs = new ArrayList<>();
        for (PropertySource<?> source : sources) {
            for (String name : ((EnumerablePropertySource<?>) source).getPropertyNames()) {
                assertTrue(known.contains(name.replaceAll("\\[\\d+]$", "")), where + ": unknown property " + name);
                pairs.add(name + "=" + source.getProperty(name));
            }
        }
        return pairs;
    }

    /** The application.yml examples of the Java README. */
    @Test
    void javaReadmeUsesKnownProperties() throws IOException {
        Path java = DIR.resolve("../README.md");
        List<String> yaml = blocks(Files.readString(java), "yaml");
        assertFalse(yaml.isEmpty(), java + " has no application.yml example");
        for (String block : yaml) {
            assertFalse(yamlProperties(java.toString(), block).isEmpty());
        }
    }

    /** The README's application.yml: only known properties, and a context starts from it. */
    @Test
    void readmeApplicationYmlStarts() throws IOException {
        List<String> yaml = blocks("yaml");
        assertEquals(1, yaml.size(), "README.md should have one yaml block");
        List<String> pairs = yamlProperties("README.md", yaml.get(0));
        // Building the client and the guard sends nothing: the Redis guard connects on first use.
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(SoterAutoConfiguration.class))
                .withPropertyValues(pairs.toArray(String[]::new))
                .withPropertyValues("WECHAT_APP_SECRET=readme-secret", "REDIS_PASSWORD=readme-password")
                .run(context -> {
                    assertTrue(context.getBean(WeChatClient.class).toString().contains("stable_token"));
                    assertTrue(context.getBean(ReplayGuard.class).toString().contains("prefix: \"soter:\""));
                    // ASKs are trusted per device: the example sets no app-wide one (soter.ask-pem).
                    assertTrue(context.getBeansOfType(PublicKey.class).isEmpty());
                });
    }

    /** Cargo.toml's version, through the bundled library (whose own test ties it to Cargo.toml). */
    @Test
    void versionIsTheCores() {
        assertEquals(Soter.version(), System.getProperty("soter.project.version"),
                "the starter's <version> in spring-boot-starter/pom.xml differs from Cargo.toml's");
    }
}
