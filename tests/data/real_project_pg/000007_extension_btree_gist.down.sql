DROP EXTENSION "btree_gist";
