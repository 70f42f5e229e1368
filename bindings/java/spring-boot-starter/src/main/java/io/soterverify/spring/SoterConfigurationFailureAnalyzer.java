package io.soterverify.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a {@link SoterConfigurationException} into Spring Boot's "APPLICATION FAILED TO START"
 * report: the property at fault and what to do. Registered in {@code META-INF/spring.factories}.
 */
public final class SoterConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<SoterConfigurationException> {
    /** Creates the analyzer (Spring Boot does, at a startup failure). */
    public SoterConfigurationFailureAnalyzer() {}

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, SoterConfigurationException cause) {
        return new FailureAnalysis(
                "soter-verify cannot use the property '" + cause.property() + "': " + cause.problem(),
                "Correct '" + cause.property() + "' in the application's configuration (application.yml, "
                        + "application.properties, environment variables), or define the bean yourself.",
                cause);
    }
}
