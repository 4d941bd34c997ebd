-- Networks (issue 15): a pool's networks, and the address and MAC each VM's vif holds on one.

CREATE TABLE "networks" (
    "id" UUID NOT NULL,
    "pool_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "bridge" TEXT NOT NULL,
    "cidr" INET NOT NULL,
    "gateway" INET NOT NULL,
    "dns" INET[] NOT NULL DEFAULT '{}',
    "range_start" INET NOT NULL,
    "range_end" INET NOT NULL,
    "is_default" BOOLEAN NOT NULL DEFAULT false,
    "next_offset" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "networks_pkey" PRIMARY KEY ("id"),
    -- what libs/domain planNetwork checks, again where no code path can skip it: an IPv4 block,
    -- a range of at most 65,536 addresses inside it, and the gateway in it too; addresses are
    -- single (/32: inet compares its mask too, so 10.0.0.5/24 and 10.0.0.5 would be two)
    CONSTRAINT "networks_block" CHECK (
        family("cidr") = 4 AND "cidr" = network("cidr")
        AND masklen("gateway") = 32 AND masklen("range_start") = 32 AND masklen("range_end") = 32
        AND "gateway" << "cidr" AND "range_start" << "cidr" AND "range_end" << "cidr"
        AND "range_start" <= "range_end" AND "range_end" - "range_start" < 65536
    )
);

CREATE TABLE "vm_addresses" (
    "id" UUID NOT NULL,
    "vm_id" UUID NOT NULL,
    "network_id" UUID NOT NULL,
    "device" INTEGER NOT NULL,
    "mac" TEXT NOT NULL,
    "ip" INET NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "vm_addresses_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "vm_addresses_ip_single" CHECK (family("ip") = 4 AND masklen("ip") = 32),
    CONSTRAINT "vm_addresses_mac_format" CHECK ("mac" ~ '^00:16:3e:[0-7][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}$')
);

CREATE UNIQUE INDEX "networks_pool_id_name_key" ON "networks"("pool_id", "name");
-- a pool has at most one default network
CREATE UNIQUE INDEX "networks_one_default_per_pool" ON "networks"("pool_id") WHERE "is_default";
-- the last line of defence behind xenplane_take_addresses: no address of a network twice, no MAC twice
CREATE UNIQUE INDEX "vm_addresses_network_id_ip_key" ON "vm_addresses"("network_id", "ip");
CREATE UNIQUE INDEX "vm_addresses_mac_key" ON "vm_addresses"("mac");
CREATE UNIQUE INDEX "vm_addresses_vm_id_device_key" ON "vm_addresses"("vm_id", "device");

ALTER TABLE "networks" ADD CONSTRAINT "networks_pool_id_fkey" FOREIGN KEY ("pool_id") REFERENCES "pools"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "vm_addresses" ADD CONSTRAINT "vm_addresses_vm_id_fkey" FOREIGN KEY ("vm_id") REFERENCES "vms"("id") ON DELETE CASCADE ON UPDATE CASCADE;
-- a network with addresses given out cannot go (the API answers 409 before this)
ALTER TABLE "vm_addresses" ADD CONSTRAINT "vm_addresses_network_id_fkey" FOREIGN KEY ("network_id") REFERENCES "networks"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Takes `wants[i]` free addresses of network `network_ids[i]`, for each i in order (callers
-- sort the ids, so racing callers lock networks in one order and never deadlock). Each network's
-- row is locked first (NO KEY UPDATE: what its own UPDATE of next_offset takes anyway, and no
-- obstacle to the foreign-key checks of addresses being written): allocations on one network run
-- one at a time, and each then reads the
-- addresses in use AFTER its lock. That is why this is a VOLATILE function: in READ COMMITTED
-- every query inside one takes a fresh snapshot, so the read sees what the transaction it waited
-- for committed. (A `FOR UPDATE` within the calling statement would not do: that statement's
-- snapshot is taken before it waits for the lock, and it would hand out again the addresses the
-- holder just took.) Next-fit: the search starts where the previous allocation stopped and wraps
-- around, one index probe per address looked at, so a burst never rescans what it handed out and
-- an address given back is not handed out again until the range has come round. The gateway is
-- never given out. A search that meets a crowded stretch counts the addresses in use once (an
-- index-only count, milliseconds for a /16) and stops there if they cannot be enough. Not enough
-- free: raises XP002 with the network's id, and the calling statement undoes everything it did.
-- Returns (network, k = 1..wants[i], address); the caller writes them in the same transaction,
-- before the lock is released at commit.
CREATE FUNCTION "xenplane_take_addresses"(network_ids UUID[], wants INTEGER[])
RETURNS TABLE (taken_network UUID, taken_k INTEGER, taken_ip INET) AS $$
DECLARE
    net RECORD;
    size BIGINT;
    capacity BIGINT;
    used BIGINT;
    candidate INET;
    step BIGINT;
    got INTEGER;
    counted BOOLEAN;
BEGIN
    FOR i IN 1 .. coalesce(array_length(network_ids, 1), 0) LOOP
        SELECT n.id, n.range_start, n.range_end, n.gateway, n.next_offset INTO net
        FROM networks n WHERE n.id = network_ids[i] FOR NO KEY UPDATE;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'XP003', MESSAGE = network_ids[i]::text;
        END IF;
        size := net.range_end - net.range_start + 1;
        capacity := size - CASE WHEN net.gateway BETWEEN net.range_start AND net.range_end THEN 1 ELSE 0 END;
        got := 0;
        step := 0;
        counted := false;
        WHILE got < wants[i] LOOP
            IF NOT counted AND step >= 4 * wants[i] + 64 THEN
                SELECT count(*) INTO used FROM vm_addresses a WHERE a.network_id = net.id;
                IF used + wants[i] > capacity THEN
                    RAISE EXCEPTION USING ERRCODE = 'XP002', MESSAGE = net.id::text;
                END IF;
                counted := true;
            END IF;
            IF step >= size THEN
                -- every address looked at: fewer free than asked for
                RAISE EXCEPTION USING ERRCODE = 'XP002', MESSAGE = net.id::text;
            END IF;
            candidate := net.range_start + ((net.next_offset + step) % size);
            step := step + 1;
            CONTINUE WHEN candidate = net.gateway;
            PERFORM 1 FROM vm_addresses a WHERE a.network_id = net.id AND a.ip = candidate;
            CONTINUE WHEN FOUND;
            got := got + 1;
            taken_network := net.id;
            taken_k := got;
            taken_ip := candidate;
            RETURN NEXT;
        END LOOP;
        UPDATE networks SET next_offset = (net.next_offset + step) % size WHERE id = net.id;
    END LOOP;
END;
$$ LANGUAGE plpgsql VOLATILE;
