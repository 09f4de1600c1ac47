DROP TABLE fw_items;
