package com.example.soter;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/** The sample's enrolment records (a database table in a real application). */
@Component
public class DeviceStore {
    private final Map<String, Device> devices = new ConcurrentHashMap<>();

    /**
     * Stores a user's device.
     *
     * @param userId the user
     * @param authKeyPem the AuthKey public key
     * @param cpuId the device's cpu_id
     * @param uid the uid
     */
    public void save(String userId, String authKeyPem, String cpuId, String uid) {
        devices.put(userId, new Device(authKeyPem, cpuId, uid));
    }

    /**
     * The user's device.
     *
     * @param userId the user
     * @return the device, or null
     */
    public Device find(String userId) {
        return devices.get(userId);
    }
}
