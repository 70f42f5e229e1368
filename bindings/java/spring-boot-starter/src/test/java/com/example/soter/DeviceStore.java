package com.example.soter;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * Your storage: the sample keeps its enrollment records in memory; a real application keeps them
 * in its database (they must outlive a restart and be shared by every instance).
 */
@Component
public class DeviceStore {
    /** By device: cpu_id and uid. */
    private final Map<List<String>, StoredAsk> asks = new ConcurrentHashMap<>();
    /** By user. */
    private final Map<String, StoredAuthKey> authKeys = new ConcurrentHashMap<>();

    /**
     * Stores a device's trusted ASK (replacing an earlier one of the same device).
     *
     * @param ask the ASK, verified
     */
    public void saveAsk(StoredAsk ask) {
        asks.put(List.of(ask.cpuId(), ask.uid()), ask);
    }

    /**
     * A device's trusted ASK.
     *
     * @param cpuId the device's cpu_id
     * @param uid the uid
     * @return the ASK, or null when none was enrolled
     */
    public StoredAsk findAsk(String cpuId, String uid) {
        return cpuId == null || uid == null ? null : asks.get(List.of(cpuId, uid));
    }

    /**
     * Stores a user's AuthKey (replacing an earlier one).
     *
     * @param userId the user
     * @param authKey the AuthKey, verified
     */
    public void saveAuthKey(String userId, StoredAuthKey authKey) {
        authKeys.put(userId, authKey);
    }

    /**
     * A user's AuthKey.
     *
     * @param userId the user
     * @return the AuthKey, or null when none was enrolled
     */
    public StoredAuthKey findAuthKey(String userId) {
        return authKeys.get(userId);
    }
}
