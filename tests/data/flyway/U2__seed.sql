DELETE FROM fw_items;
