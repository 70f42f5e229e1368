package io.soterverify.spring;

import java.util.Objects;

/**
 * A {@code soter.*} property that cannot be used; thrown while the application context starts, so
 * the application fails to start with a failure analysis naming the property
 * ({@link SoterConfigurationFailureAnalyzer}). The message never contains a property's value
 * where that value may be secret (app secret, tokens, proxy and Redis URLs).
 */
public class SoterConfigurationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The full name of the property at fault. */
    private final String property;
    /** What is wrong with it, without its value where that may be secret. */
    private final String problem;

    /**
     * Creates the exception.
     *
     * @param property the full name of the property at fault, e.g. {@code soter.wechat.base-url}
     * @param problem what is wrong with it, without its value where the value may be secret
     * @param cause the library's exception, or null
     */
    public SoterConfigurationException(String property, String problem, Throwable cause) {
        super(Objects.requireNonNull(property, "property") + ": " + Objects.requireNonNull(problem, "problem"), cause);
        this.property = property;
        this.problem = problem;
    }

    /**
     * The property at fault.
     *
     * @return its full name, e.g. {@code soter.wechat.base-url}
     */
    public String property() {
        return property;
    }

    /**
     * What is wrong with the property.
     *
     * @return the explanation, without the property's name
     */
    public String problem() {
        return problem;
    }
}
