package io.soterverify;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/** The observers of one guard or client: cheap when there are none (the common case). */
final class Observers {
    private final List<CallObserver> list = new CopyOnWriteArrayList<>();

    void add(CallObserver observer) {
        list.add(Objects.requireNonNull(observer, "observer must not be null"));
    }

    <T> T call(String operation, Supplier<T> body) {
        if (list.isEmpty()) {
            return body.get();
        }
        long t0 = System.nanoTime();
        T result;
        try {
            result = body.get();
        } catch (RuntimeException | Error e) {
            tell(operation, System.nanoTime() - t0, e);
            throw e;
        }
        tell(operation, System.nanoTime() - t0, null);
        return result;
    }

    private void tell(String operation, long nanos, Throwable failure) {
        for (CallObserver o : list) {
            try {
                o.completed(operation, nanos, failure);
            } catch (RuntimeException e) {
                // An observer's bug must not change the call's outcome.
            }
        }
    }
}
