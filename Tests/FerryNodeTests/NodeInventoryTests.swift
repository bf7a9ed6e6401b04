import FerryNode
import Testing

/// `--nodes-file` as sites keep it: kubespray's inventory.ini and hosts.yaml shapes, kubean's
/// YAML, and plain lists.
@Suite struct NodeInventoryTests {
    /// kubespray's sample inventory.ini, with the hosts it comments out filled in.
    static let kubesprayINI = """
        # ## Configure 'ip' variable to bind kubernetes services on a different ip than the default iface
        [all]
        node1 ansible_host=95.54.0.12  # ip=10.3.0.1 etcd_member_name=etcd1
        node2 ansible_host=95.54.0.13 ansible_user=ubuntu
        node3 ansible_host=95.54.0.14 ansible_port=2222

        [kube_control_plane]
        node1

        [etcd]
        node1

        [kube_node]
        node2
        node3

        [calico_rr]

        [k8s_cluster:children]
        kube_control_plane
        kube_node
        calico_rr

        [all:vars]
        ansible_user=root
        """

    /// The hosts.yaml kubespray's inventory builder writes (and kubean's hosts-conf).
    static let kubesprayYAML = """
        all:
          hosts:
            node1:
              ansible_host: 10.10.1.3
              ip: 10.10.1.3
              access_ip: 10.10.1.3
            node2:
              ansible_host: 10.10.1.4
              ansible_port: 2200
            node3:
              ansible_host: 10.10.1.5
          children:
            kube_control_plane:
              hosts:
                node1:
            kube_node:
              hosts:
                node2:
                node3:
            etcd:
              hosts:
                node1:
            k8s_cluster:
              children:
                kube_control_plane:
                kube_node:
              vars:
                ansible_user: core
            calico_rr:
              hosts: {}
          vars:
            ansible_user: root
        """

    @Test func kubesprayINIGroupsChildrenAndVars() throws {
        let inventory = try NodeInventory.parse(Self.kubesprayINI, origin: "inventory.ini")
        #expect(try inventory.hosts(in: []).map(\.destination) == ["root@95.54.0.12", "ubuntu@95.54.0.13", "root@95.54.0.14:2222"])
        #expect(try inventory.hosts(in: ["kube_node"]).map(\.name) == ["node2", "node3"])
        #expect(try inventory.hosts(in: ["k8s_cluster"]).map(\.name) == ["node1", "node2", "node3"])
        #expect(try inventory.hosts(in: ["kube_control_plane", "node3"]).map(\.name) == ["node1", "node3"])
        #expect(try inventory.hosts(in: ["calico_rr"]).isEmpty)
        let error = #expect(throws: NodeError.self) { try inventory.hosts(in: ["kube-node"]) }
        #expect(error?.message.contains("no group or host 'kube-node'; its groups: all, calico_rr, etcd, k8s_cluster, kube_control_plane, kube_node") == true,
                "\(String(describing: error))")
    }

    @Test func kubesprayYAMLWithNearestGroupVarsFirst() throws {
        let inventory = try NodeInventory.parse(Self.kubesprayYAML, origin: "hosts.yaml")
        let all = try inventory.hosts(in: ["all"])
        #expect(Set(all.map(\.name)) == ["node1", "node2", "node3"])
        // k8s_cluster's ansible_user (nearer) wins over all's; the port is read as a number.
        let workers = try inventory.hosts(in: ["kube_node"])
        #expect(workers.map(\.destination) == ["core@10.10.1.4:2200", "core@10.10.1.5"], "\(workers)")
        #expect(try inventory.hosts(in: ["etcd"]).map(\.destination) == ["core@10.10.1.3"])
    }

    @Test func plainListsAndBadInput() throws {
        let list = try NodeInventory.parse("# nodes\nroot@10.0.0.1\nadmin@10.0.0.2:2222\n\nnode3\n", origin: "nodes.txt")
        #expect(try list.hosts(in: []).map(\.destination) == ["root@10.0.0.1", "admin@10.0.0.2:2222", "node3"])
        #expect(throws: NodeError.self) { try NodeInventory.parse("[kube_node\nnode1\n", origin: "x.ini") }
        #expect(throws: NodeError.self) { try NodeInventory.parse("[kube_node]\nnode[1:3]\n", origin: "x.ini") }
        #expect(throws: NodeError.self) { try NodeInventory.parse("[all]\nnode1 ansible_port=ssh\n", origin: "x.ini").hosts(in: []) }
        #expect(throws: NodeError.self) { try NodeInventory.parse("all:\n  hosts: [a, b]\n  children:\n    x: 3\n", origin: "x.yaml") }
    }
}
